// (b) CommonJS: require() of the SDK (Node 20's require of ES modules).
const sdk = require('@cinder/sdk');
const { FileStore } = require('@cinder/sdk/node');

async function main() {
  const [url, tag, dir] = process.argv.slice(2);
  let n = 0;
  const { burnFlow } = await import('./burn-flow.mjs');
  const result = await burnFlow(sdk, { url, tag, store: () => new FileStore(`${dir}/store-${n++}.json`) });
  console.log(JSON.stringify(result));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
