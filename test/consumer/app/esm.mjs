// (a) Plain Node ESM: import the installed package, no loader, no conditions.
import * as sdk from '@cinder/sdk';
import { burnFlow } from './burn-flow.mjs';

const [url, tag] = process.argv.slice(2);
console.log(JSON.stringify(await burnFlow(sdk, { url, tag })));
