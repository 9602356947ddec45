const before = process.memoryUsage();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@media/testing');
global.gc?.();
const after = process.memoryUsage();
console.log((before.heapUsed / 1e6).toFixed(1), (after.heapUsed / 1e6).toFixed(1), (after.rss / 1e6).toFixed(1));
console.log(Object.keys(require.cache).filter((k) => k.includes('node_modules')).map((k) => k.split('node_modules/')[1]?.split('/')[0]).filter((v, i, a) => a.indexOf(v) === i).join(' '));
