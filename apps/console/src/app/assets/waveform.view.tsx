import { useEffect, useRef, useState } from 'preact/hooks';

/** audiowaveform's JSON (version 2, one channel): `data` holds min, max pairs per pixel column. */
interface WaveformJson {
  bits?: number;
  length?: number;
  data: number[];
}

/** Draws the waveform peaks processing made for an audio asset, scaled to the canvas. */
export function WaveformView({ url }: { url: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) throw new Error(`the waveform answered ${response.status}`);
        draw(canvas.current, (await response.json()) as WaveformJson);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(failure instanceof Error ? failure.message : String(failure));
      });
    return () => controller.abort();
  }, [url]);
  return error ? <p class="error">{error}</p> : <canvas ref={canvas} class="waveform" data-testid="waveform" width={800} height={120} />;
}

function draw(canvas: HTMLCanvasElement | null, waveform: WaveformJson): void {
  const context = canvas?.getContext('2d');
  if (!canvas || !context) return;
  const columns = Math.floor(waveform.data.length / 2);
  // Scaled to the loudest peak, as waveform viewers do: a quiet recording still shows its shape.
  const full = waveform.data.reduce((loudest, value) => Math.max(loudest, Math.abs(value)), 0) || 2 ** ((waveform.bits ?? 16) - 1);
  const middle = canvas.height / 2;
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#3b82f6';
  for (let x = 0; x < canvas.width; x++) {
    // Several peak columns may fall on one pixel: the widest of them is what the eye expects.
    const from = Math.floor((x * columns) / canvas.width);
    const to = Math.max(from + 1, Math.floor(((x + 1) * columns) / canvas.width));
    let min = 0;
    let max = 0;
    for (let column = from; column < to && column < columns; column++) {
      min = Math.min(min, waveform.data[column * 2]);
      max = Math.max(max, waveform.data[column * 2 + 1]);
    }
    const top = middle - (max / full) * middle;
    const bottom = middle - (min / full) * middle;
    context.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}
