import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { Locator, Page } from 'playwright-core';
import { marker } from '../kit/index.ts';

/** A file for the composer's file input (`setInputFiles`). */
export interface TestFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A real PNG of noisy pixels (`side`×`side`, RGB; 640 px ≈ 1 MB: the noise does not compress) with a random ASCII marker in a `tEXt` chunk, which is what the searches look for:
 * any copy of the file's bytes carries it.
 */
export function markedPng(side = 640): { file: TestFile; marker: string; side: number } {
  const mark = `cinder-marker-${marker()}`;
  const rows: Buffer[] = [];
  for (let y = 0; y < side; y++) {
    // A dusk gradient under random noise: a picture a person can tell apart, that does not compress.
    const row = Buffer.alloc(1 + side * 3);
    const noise = randomBytes(side * 3);
    for (let x = 0; x < side; x++) {
      const t = (x + y) / (2 * side);
      const base = [250 - 150 * t, 120 - 80 * t, 60 + 110 * t];
      for (let c = 0; c < 3; c++) {
        const n = ((noise[x * 3 + c] as number) % 97) - 48;
        row[1 + x * 3 + c] = Math.max(0, Math.min(255, Math.round((base[c] as number) + n)));
      }
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, no interlace
  const buffer = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0${mark}`, 'latin1')),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return {
    file: { name: `holiday-${mark.slice(-8)}.png`, mimeType: 'image/png', buffer },
    marker: mark,
    side,
  };
}

/** `size` random bytes as a file of `name`. */
export function randomFile(name: string, size: number, mimeType = 'application/octet-stream'): TestFile {
  return { name, mimeType, buffer: randomBytes(size) };
}

/** Choose `file` with the composer's paperclip (its hidden file input). */
export async function attachFile(page: Page, file: TestFile): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(file);
}

/** The composer's chip of the chosen file. */
export function draftFile(page: Page): Locator {
  return page.getByTestId('draft-file');
}

/** Every Cache Storage entry of the page's origin: cache names, URLs and bodies as text. */
export function cacheStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const parts: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        parts.push(name, request.url, response ? await response.text() : '');
      }
    }
    return parts.join('\n');
  });
}

/**
 * Whether `url` (an object URL of an image) still loads in the page, and its width: a new `Image`
 * of it fails once the URL is revoked. (An `<img>`, not `fetch`: the CSP allows `blob:` for
 * images and media only, not for `connect-src`.)
 */
export function imageUrlLoads(page: Page, url: string): Promise<{ ok: boolean; width?: number }> {
  return page.evaluate(
    (u) =>
      new Promise<{ ok: boolean; width?: number }>((resolve) => {
        const img = new Image();
        img.onload = () => resolve({ ok: true, width: img.naturalWidth });
        img.onerror = () => resolve({ ok: false });
        img.src = u;
      }),
    url,
  );
}

/**
 * A short real video (`video/webm`, about 1.5 s of a moving square), recorded in `page` from a
 * canvas with MediaRecorder: there is no encoder on the Node side.
 */
export async function recordedVideo(page: Page): Promise<TestFile> {
  const bytes = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const stream = canvas.captureStream(25);
    const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve));
    recorder.start(100);
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const frame = () => {
        const t = performance.now() - started;
        ctx.fillStyle = '#1c1917';
        ctx.fillRect(0, 0, 160, 120);
        ctx.fillStyle = '#f97316';
        ctx.fillRect((t / 10) % 140, 50, 20, 20);
        if (t < 1500) requestAnimationFrame(frame);
        else resolve();
      };
      frame();
    });
    recorder.stop();
    await stopped;
    for (const track of stream.getTracks()) track.stop();
    return [...new Uint8Array(await new Blob(chunks).arrayBuffer())];
  });
  return { name: 'clip.webm', mimeType: 'video/webm', buffer: Buffer.from(bytes) };
}
