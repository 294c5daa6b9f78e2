import { type DragEvent, useCallback, useMemo, useRef, useState } from 'react';

/** Handlers for an element that takes a dropped file, and whether one is being dragged over it. */
export interface FileDrop {
  over: boolean;
  onDragOver: (event: DragEvent) => void;
  onDragLeave: (event: DragEvent) => void;
  onDrop: (event: DragEvent) => void;
}

function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer.types.includes('Files');
}

/** Drag-and-drop of files onto an element: the first dropped file goes to `onFile`. */
export function useFileDrop(onFile: (file: File) => void): FileDrop {
  const [over, setOver] = useState(false);
  const handler = useRef(onFile);
  handler.current = onFile;

  const onDragOver = useCallback((event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  }, []);

  const onDragLeave = useCallback((event: DragEvent) => {
    // Leaving for a child of the same element is not leaving.
    if (event.currentTarget.contains(event.relatedTarget as Node | null)) return;
    setOver(false);
  }, []);

  const onDrop = useCallback((event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file) handler.current(file);
  }, []);

  return useMemo(() => ({ over, onDragOver, onDragLeave, onDrop }), [over, onDragOver, onDragLeave, onDrop]);
}
