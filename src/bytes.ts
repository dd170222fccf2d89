// Reading a body with a bound: shared by the clients' answers and the webhook receiver's requests.

/**
 * Reads a stream whole, up to `limit` bytes. Past the limit it stops reading and cancels the
 * stream (which closes the connection), and gives the first chunk instead: `{ tooLarge }`.
 * When `signal` aborts, the read ends at once with its reason, whatever the stream does.
 */
export async function readBytes(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit: number,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array } | { tooLarge: Uint8Array }> {
  if (!body) return { bytes: new Uint8Array() };
  const reader = body.getReader();
  if (!signal) return readAll(reader, limit);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => (reject(signal.reason), reader.cancel(signal.reason).catch(() => {}));
  });
  aborted.catch(() => {});
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await readAll(reader, limit, signal, aborted);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Reads chunks up to `limit` bytes; each read raced with `aborted` when a signal is given. */
async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  signal?: AbortSignal,
  aborted?: Promise<never>,
): Promise<{ bytes: Uint8Array } | { tooLarge: Uint8Array }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = aborted ? await Promise.race([reader.read(), aborted]) : await reader.read();
    // Cancelling ends a pending read as `done`: an aborted read is an abort, never a whole body.
    if (signal?.aborted) throw signal.reason;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { tooLarge: chunks[0] ?? value };
    }
    chunks.push(value);
  }
  return { bytes: joinBytes(chunks, size) };
}

/** Chunks as one array; one chunk as it is, without a copy. */
export function joinBytes(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) whole.set(chunk, (at += chunk.byteLength) - chunk.byteLength);
  return whole;
}
