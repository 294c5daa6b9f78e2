import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Where a burn message's content lives in SQLite, and why there.
 *
 * `secure_delete` zeroes a deleted cell, but not the copies SQLite leaves behind when it moves
 * cells: a B-tree balance or a page rebuild copies every cell of a leaf, and the old bytes stay
 * in the page's unallocated gap (between the cell pointer array and the cell content area) for as
 * long as the page lives. Overflow pages are never copied: a balance moves only a cell's local
 * part and the number of its first overflow page, and a delete frees the chain, which
 * `secure_delete` zeroes page by page.
 *
 * So a burn message's content goes to its own row of `burn_content`, after a zero-filled `pad`
 * sized so that the row's local part (the bytes SQLite keeps in the leaf) ends exactly where the
 * padding ends: the text and the ext lie only in overflow pages. Moving the row moves zeros, a
 * record header and a page number. The price is one overflow page (a page of disk) per unopened
 * burn message at least, written when it is sent and zeroed when it burns.
 *
 * The arithmetic is SQLite's (btreeParseCellAdjustSizeForOverflow, file format §1.6): for a table
 * leaf of usable size U, a payload P > U − 35 keeps `minLocal + (P − minLocal) % (U − 4)` bytes
 * local if that is at most U − 35, else `minLocal` = (U − 12)·32/255 − 23. A payload of exactly
 * `minLocal + k·(U − 4)` bytes keeps `minLocal` local and fills k overflow pages to the last byte.
 */

/** Columns of a `burn_content` record, in order: n (the rowid alias, stored as NULL), pad, text, ext. */
export const BURN_CONTENT_INSERT =
  'INSERT INTO burn_content (n, pad, text, ext) VALUES (?, zeroblob(?), ?, ?)';

/** Bytes of an SQLite varint holding `n`. */
function varintLength(n: number): number {
  let length = 1;
  for (let v = n; v > 0x7f && length < 9; v = Math.floor(v / 128)) length += 1;
  return length;
}

/** The number of padding bytes that puts `text` and `ext` (UTF-8 byte lengths) wholly in overflow pages. */
export function burnContentPad(usableSize: number, textBytes: number, extBytes: number | null): number {
  const minLocal = Math.floor(((usableSize - 12) * 32) / 255) - 23;
  const perOverflowPage = usableSize - 4;
  const content = textBytes + (extBytes ?? 0);
  const pages = Math.max(1, Math.ceil(content / perOverflowPage));
  const payload = minLocal + pages * perOverflowPage;
  // The header: its own length, then serial types: NULL (0), blob 2L+12, text 2n+13, ext (NULL or text).
  const header = (pad: number) => {
    const types =
      1 +
      varintLength(pad * 2 + 12) +
      varintLength(textBytes * 2 + 13) +
      (extBytes === null ? 1 : varintLength(extBytes * 2 + 13));
    return types + varintLength(types + 1);
  };
  // The pad's own serial type grows with it; two passes settle it (a varint gains a byte rarely).
  let pad = payload - content - header(payload);
  for (let i = 0; i < 3; i++) pad = payload - content - header(pad);
  return pad;
}

/**
 * The usable size of a page (page size minus the reserved bytes at the end of each page), read
 * from the database file's header; `pageSize` when the file has no header yet.
 */
export function usablePageSize(file: string, pageSize: number): number {
  const header = Buffer.alloc(100);
  let read = 0;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return pageSize; // not a file (an opener of its own)
  }
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return read === 100 ? pageSize - (header[20] ?? 0) : pageSize;
}
