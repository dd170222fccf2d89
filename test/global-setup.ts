// Starts the Prism mock on a free loopback port for the whole run, and stops it afterwards.
import type { TestProject } from "vitest/node";
import { startPrism } from "../scripts/prism.js";

declare module "vitest" {
  export interface ProvidedContext {
    mockUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const mock = await startPrism({ mode: "mock", onLog: () => {} });
  project.provide("mockUrl", mock.url);
  return () => mock.stop();
}
