/** Stops the services, then the servers. */
export default async function e2eGlobalTeardown(): Promise<void> {
  await globalThis.__mediaSuite?.stop();
  globalThis.__mediaSuite = undefined;
  await globalThis.__mediaInfrastructure?.stop();
  globalThis.__mediaInfrastructure = undefined;
}
