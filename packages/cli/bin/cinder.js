#!/usr/bin/env node
// The `cinder` command: the CLI as tsc compiled it into dist/ (postinstall, `npm run build`,
// prepack); no TypeScript at run time. It is a file of its own, outside dist/, because npm links
// a workspace's bin only if the file exists, and a fresh clone builds dist/ after the linking.
import '../dist/main.js';
