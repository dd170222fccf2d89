// Reading a body with a bound: shared by the clients' answers and the webhook receiver's requests.

/**
 * Reads a stream whole, up to `limit` bytes. Past the limit it stops reading and cancels the
 * stream (which closes the connection), and gives the first chunk instead: `{ tooLarge }`.
 */
export async function readBytes(body: ReadableStream<Uint8Array> | null | undefined, limit: number): Promise<{ bytes: Uint8Array } | { tooLarge: Uint8Array }> {
  if (!body) return { bytes: new Uint8Array() };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
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
