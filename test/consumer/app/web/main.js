// (d) A Vite app bundling the SDK: the burn round trip in the browser, against the server that
// serves this page. The result lands in <body data-result> for the test to read.
import * as sdk from '@cinder/sdk';
import { burnFlow } from '../burn-flow.mjs';

const tag = new URLSearchParams(location.search).get('tag') ?? 'web';
burnFlow(sdk, { url: location.origin, tag, store: () => new sdk.MemoryStore() }).then(
  (result) => {
    document.body.dataset.result = JSON.stringify(result);
  },
  (error) => {
    document.body.dataset.result = JSON.stringify({ error: String(error) });
  },
);
