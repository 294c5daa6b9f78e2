import type { AttachmentKind } from '@cinder/protocol';
import { FileIcon, ImageIcon, MicIcon, VideoIcon } from './icons.tsx';

const ICONS = {
  image: ImageIcon,
  voice: MicIcon,
  video: VideoIcon,
  file: FileIcon,
} as const satisfies { [K in AttachmentKind]: unknown };

/** The icon of an attachment kind: a picture, a microphone, a camera or a page. */
export function KindIcon({ kind, className }: { kind: AttachmentKind; className?: string }) {
  const Icon = ICONS[kind];
  return <Icon className={className} />;
}
