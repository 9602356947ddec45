import { useEffect, useRef } from 'preact/hooks';

/**
 * Plays an HLS master playlist: hls.js where Media Source Extensions exist (Chromium, Firefox), the
 * browser's own HLS elsewhere (Safari), the MP4 rendition when neither can.
 */
export function HlsPlayer({
  src,
  poster,
  fallback,
}: {
  src: string;
  poster?: string;
  fallback?: string;
}) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = video.current;
    if (!element) return undefined;
    let destroy: (() => void) | undefined;
    let cancelled = false;
    // hls.js is most of the bundle: loaded when a video is shown, not with the grid.
    void import('hls.js').then(({ default: Hls }) => {
      if (cancelled) return;
      if (Hls.isSupported()) {
        const hls = new Hls({ enableWorker: true });
        hls.on(Hls.Events.ERROR, (_event, data) => {
          // A fatal error the player cannot recover from falls back to the plain MP4, if there is one.
          if (data.fatal && fallback) {
            hls.destroy();
            element.src = fallback;
          }
        });
        hls.loadSource(src);
        hls.attachMedia(element);
        destroy = () => hls.destroy();
        return;
      }
      element.src = element.canPlayType('application/vnd.apple.mpegurl')
        ? src
        : (fallback ?? src);
    });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [src, fallback]);
  return (
    <video
      ref={video}
      class="player"
      data-testid="hls-video"
      controls
      muted
      playsInline
      poster={poster}
    />
  );
}
