import {
  AttachmentKind,
  AttachmentName,
  CinderError,
  MimeType,
  ROUTES,
  type UploadStatus,
} from '@cinder/protocol';
import { BLOB_CHUNK_BYTES, blobKey, openBlob, sealBlob } from './crypto/blob.ts';
import { newContentKey, newEnvelopeId, type OpenedContent } from './crypto/envelope.ts';
import { httpDownload, httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { FileSend } from './outbox.ts';
import type { Identity, OpenedAttachment, SendFileOptions, StoredMessage } from './types.ts';
import { type UploadOptions, uploadBytes } from './upload.ts';

/** What `sendFile` takes: a `Blob` (a `File` in browsers) or bytes. */
export type FileData = Blob | Uint8Array;

/** A file's name, type and kind, checked. */
export interface FileDetails {
  name: string;
  type: string;
  kind: AttachmentKind;
}

const DEFAULT_NAME = 'attachment';
const DEFAULT_TYPE = 'application/octet-stream';

/** The kind a bubble shows for a MIME type: image/*, audio/* (a voice note), video/*, else file. */
export function kindOf(type: string): AttachmentKind {
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'voice';
  if (type.startsWith('video/')) return 'video';
  return 'file';
}

/** Name, type and kind from the options, else from the `File`/`Blob`; BAD_REQUEST if one is not valid. */
export function fileDetails(data: FileData, options: SendFileOptions): FileDetails {
  const fromFile = typeof File !== 'undefined' && data instanceof File ? data.name : '';
  const fromBlob = typeof Blob !== 'undefined' && data instanceof Blob ? data.type.split(';')[0] : '';
  const name = options.name ?? (fromFile || DEFAULT_NAME);
  const type = options.type ?? (fromBlob || DEFAULT_TYPE);
  if (!AttachmentName.safeParse(name).success) {
    throw new CinderError('BAD_REQUEST', 'The file name must be 1 to 255 characters');
  }
  if (!MimeType.safeParse(type).success) {
    throw new CinderError('BAD_REQUEST', 'The file type must be a MIME type such as image/jpeg');
  }
  const kind = options.kind ?? kindOf(type);
  if (!AttachmentKind.safeParse(kind).success) {
    throw new CinderError('BAD_REQUEST', 'The kind must be image, voice, video or file');
  }
  return { name, type, kind };
}

/** The bytes of a `Blob` or a byte array (copied into a buffer of its own). */
export async function bytesOf(data: FileData): Promise<Uint8Array<ArrayBuffer>> {
  if (data instanceof Uint8Array) return new Uint8Array(data);
  return new Uint8Array(await data.arrayBuffer());
}

/**
 * Upload a file for a send (docs/media.md). A normal message's file goes up as it is, with its
 * name and type in the attachment. A burn message's is sealed first with a fresh content key K
 * and envelope id (the envelope sealed later takes both), so only ciphertext leaves the device;
 * its name and type go inside the envelope.
 */
export async function uploadFile(
  server: ServerHttp,
  identity: Identity,
  bytes: Uint8Array<ArrayBuffer>,
  details: FileDetails,
  burn: boolean,
  options: UploadOptions,
): Promise<FileSend> {
  if (bytes.length === 0) throw new CinderError('BAD_REQUEST', 'An attachment cannot be empty');
  const { name, type, kind } = details;
  if (!burn) {
    const status = await uploadBytes(server, identity, bytes, options);
    return { attachment: { upload: status.id, kind, size: status.size, name, type } };
  }
  const contentKey = newContentKey();
  const envelopeId = newEnvelopeId();
  const sealed = await sealBlob(await blobKey(contentKey), envelopeId, bytes, BLOB_CHUNK_BYTES);
  const status: UploadStatus = await uploadBytes(server, identity, sealed, options);
  return {
    attachment: { upload: status.id, kind, size: status.size },
    seal: {
      contentKey,
      envelopeId,
      attachment: { name, type, size: bytes.length, chunkBytes: BLOB_CHUNK_BYTES },
    },
  };
}

/** Remove an upload that will not be sent (best effort: the server's ttl removes it otherwise). */
export async function discardUpload(server: ServerHttp, identity: Identity, upload: string): Promise<void> {
  await httpRequest(server.fetch, joinUrl(server.url, `${ROUTES.uploads}/${encodeURIComponent(upload)}`), {
    method: 'DELETE',
    token: identity.token,
  }).catch(() => {});
}

/** A message's blob as the server holds it (ciphertext for a burn message). NOT_FOUND once burned. */
export function downloadBlob(
  server: ServerHttp,
  identity: Identity,
  messageId: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const path = ROUTES.messageBlob.replace(':id', encodeURIComponent(messageId));
  return httpDownload(server.fetch, joinUrl(server.url, path), identity.token);
}

/** A normal message's attachment from its blob and the details the server showed. */
export function plainAttachment(
  local: StoredMessage | undefined,
  data: Uint8Array<ArrayBuffer>,
): OpenedAttachment {
  const type = local?.attachment?.type ?? DEFAULT_TYPE;
  return {
    kind: local?.attachment?.kind ?? kindOf(type),
    name: local?.attachment?.name ?? DEFAULT_NAME,
    type,
    data,
  };
}

/** A burn message's attachment: its blob, downloaded before the open, decrypted with the envelope's blob key. */
export async function sealedAttachment(
  content: OpenedContent,
  envelopeId: string,
  local: StoredMessage | undefined,
  sealed: Uint8Array<ArrayBuffer> | null,
): Promise<OpenedAttachment | undefined> {
  const { attachment, blobKey: key } = content;
  if (!attachment || !key) return undefined;
  if (!sealed) {
    throw new CinderError('DECRYPT_FAILED', 'The attachment was gone before the message was opened');
  }
  const data = await openBlob(key, envelopeId, sealed, attachment.chunkBytes);
  if (data.length !== attachment.size) throw new CinderError('DECRYPT_FAILED', 'The attachment is not whole');
  return {
    kind: local?.attachment?.kind ?? kindOf(attachment.type),
    name: attachment.name,
    type: attachment.type,
    data,
  };
}
