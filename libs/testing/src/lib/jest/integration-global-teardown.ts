/** Stops whatever the global setup started. */
export default async function integrationGlobalTeardown(): Promise<void> {
  await globalThis.__mediaInfrastructure?.stop();
  globalThis.__mediaInfrastructure = undefined;
}
