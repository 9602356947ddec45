import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Asset } from '@media/asset-model';
import { signFormat } from '@media/asset-model';
import { type FaultProxy, centreBand, e2eContext, findRepoRoot, freePort, identityEnv, launchService, serviceAuthorization, makeBandedImage, makeRotatedPhoto, fixtureDir, multipartBody, startFaultProxy, tokenFor, waitFor } from '@media/testing';
import { readFile } from 'node:fs/promises';
import { MongoClient } from 'mongodb';
import sharp from 'sharp';

const context = e2eContext();
const TENANT = 'images';

/**
 * Images on demand through `/cdn/{file id}/{format}/{name}` against the built services: every option,
 * every gravity, no upscaling, the bounds, Accept negotiation, single-flight rendering across two
 * renderer replicas, caching headers, and variants removed with their asset and on replacement.
 */
describe('images on demand', () => {
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    token = await tokenFor(TENANT);
  });

  async function upload(content: Buffer, filename: string, base = context.gateway): Promise<Asset> {
    const { body, contentType } = multipartBody([{ name: 'source', value: content, filename }]);
    const response = await fetch(`${base}/assets`, { method: 'POST', headers: { ...auth(), 'Content-Type': contentType }, body });
    expect(response.status).toBe(201);
    return (await response.json()) as Asset;
  }

  function originalOf(asset: Asset) {
    const original = asset.cdn_files.items.find((file) => file.role === 'original');
    if (!original) throw new Error('no original');
    return original;
  }

  /** The variant URL: the original's format_url with the options in place of `{format}`. */
  function variantUrl(asset: Asset, format: string, base?: string): string {
    const formatUrl = originalOf(asset).format_url;
    if (!formatUrl) throw new Error('the original has no format_url');
    const url = formatUrl.replace('{format}', format);
    return base ? url.replace(context.gateway, base) : url;
  }

  async function image(url: string, headers: Record<string, string> = {}) {
    const response = await fetch(url, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    return { response, body, meta: response.ok ? await sharp(body).metadata() : null };
  }

  async function variantsStored(asset: Asset): Promise<number> {
    const response = await fetch(`${context.storage}/assets/${asset.id}/files?role=variant`, { headers: { 'x-tenant': TENANT, authorization: await serviceAuthorization('ingest-api', 'storage', context.identity) } });
    return ((await response.json()) as { items: unknown[] }).items.length;
  }

  async function renders(encoder: string): Promise<number> {
    const text = await (await fetch(`${encoder}/metrics`)).text();
    // Labels may come in any order next to the service's default ones.
    const line = text.split('\n').find((row) => row.startsWith('encoder_image_renders_total{') && row.includes('outcome="rendered"'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  describe('sizes, quality and formats', () => {
    let photo: Asset;

    beforeAll(async () => {
      // 1200×800 as displayed (stored sideways with an EXIF turn: variants must follow the orientation).
      const dir = await fixtureDir();
      photo = await upload(await readFile(await makeRotatedPhoto(dir, { width: 800, height: 1200, orientation: 6 })), 'sideways.jpg');
    });

    it('offers format_url on images only, with the literal placeholder before the name', async () => {
      const original = originalOf(photo);
      expect(original.format_url).toBe(original.url.replace(/\/([^/]+)$/, '/{format}/$1'));
      const text = await upload(Buffer.from('just words, not an image'), 'notes.txt');
      expect(originalOf(text).format_url).toBeUndefined();
    });

    it('scales to a width or a height keeping the aspect ratio, after the EXIF turn', async () => {
      expect((await image(variantUrl(photo, 'w_300,fm_png'))).meta).toMatchObject({ width: 300, height: 200, format: 'png' });
      expect((await image(variantUrl(photo, 'h_100,fm_png'))).meta).toMatchObject({ width: 150, height: 100 });
    });

    it('crops to fill both sides', async () => {
      expect((await image(variantUrl(photo, 'w_200,h_200,fm_jpeg'))).meta).toMatchObject({ width: 200, height: 200, format: 'jpeg' });
    });

    it('never upscales', async () => {
      expect((await image(variantUrl(photo, 'w_3000,fm_webp'))).meta).toMatchObject({ width: 1200, height: 800 });
      expect((await image(variantUrl(photo, 'h_2000,fm_webp'))).meta).toMatchObject({ width: 1200, height: 800 });
      // A crop bigger than the source keeps its shape and shrinks until it fits.
      expect((await image(variantUrl(photo, 'w_2400,h_1200,fm_webp'))).meta).toMatchObject({ width: 1200, height: 600 });
    });

    it('applies q_', async () => {
      const low = await image(variantUrl(photo, 'w_600,q_5,fm_jpeg'));
      const high = await image(variantUrl(photo, 'w_600,q_95,fm_jpeg'));
      expect(low.meta).toMatchObject({ width: 600 });
      expect(low.body.length * 2).toBeLessThan(high.body.length);
    });

    it.each([
      ['webp', 'image/webp'],
      ['avif', 'image/avif'],
      ['jpeg', 'image/jpeg'],
      ['png', 'image/png'],
    ])('converts with fm_%s', async (format, mime) => {
      const { response, meta } = await image(variantUrl(photo, `w_64,fm_${format}`));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(mime);
      expect(response.headers.get('vary')).toBeNull();
      expect(meta?.format).toBe(format === 'avif' ? 'heif' : format);
      expect(meta?.width).toBe(64);
    });

    it.each([
      ['image/avif,image/webp,*/*;q=0.8', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['*/*', 'image/jpeg'],
    ])('without fm_, Accept %j gets %s and Vary: Accept', async (accept, mime) => {
      const { response } = await image(variantUrl(photo, 'w_48'), { Accept: accept });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(mime);
      expect(response.headers.get('vary')).toBe('Accept');
    });

    it('serves a stored variant with a strong ETag, immutable caching, Range and 304', async () => {
      const url = variantUrl(photo, 'w_500,fm_webp');
      const first = await image(url);
      const etag = first.response.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[^"]+"$/);
      expect(first.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(first.response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(first.response.headers.get('content-disposition')).toMatch(/^inline; filename="sideways\.webp"/);
      const again = await image(url);
      expect(again.response.headers.get('etag')).toBe(etag);
      expect(again.body).toEqual(first.body);
      const part = await fetch(url, { headers: { Range: 'bytes=0-99' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 0-99/${first.body.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(first.body.subarray(0, 100));
      const beyond = await fetch(url, { headers: { Range: `bytes=${first.body.length}-` } });
      expect(beyond.status).toBe(416);
      expect(await beyond.json()).toMatchObject({ code: 'range_not_satisfiable' });
      expect((await fetch(url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(first.body.length));
    });

    it("answers the first request with the renderer's bytes, the same bytes and ETag storage serves later", async () => {
      const url = variantUrl(photo, 'w_333,h_222,c_southwest,q_61,fm_jpeg');
      const rendersBefore = await renders(context.encoder);
      const first = await image(url);
      expect(first.response.status).toBe(200);
      expect(first.meta).toMatchObject({ width: 333, height: 222, format: 'jpeg' });
      expect(first.response.headers.get('content-length')).toBe(String(first.body.length));
      // Storage dates what it serves; the renderer's streamed answer has no Last-Modified: this one was streamed.
      expect(first.response.headers.get('last-modified')).toBeNull();
      await waitFor('variant stored', async () => (await fetch(url, { method: 'HEAD' })).headers.get('last-modified') !== null, { timeoutMs: 30_000 });
      const cached = await image(url);
      expect(cached.response.headers.get('last-modified')).not.toBeNull();
      expect(cached.body).toEqual(first.body);
      expect(cached.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
      expect((await fetch(url, { headers: { 'If-None-Match': first.response.headers.get('etag') ?? '' } })).status).toBe(304);
      expect((await renders(context.encoder)) - rendersBefore).toBe(1);
    });

    it('names one variant however its options are spelled', async () => {
      const before = await variantsStored(photo);
      const a = await image(variantUrl(photo, 'w_120,h_90,c_centre,fm_png'));
      const b = await image(variantUrl(photo, 'fm_png,h_90,w_120'));
      expect(b.body).toEqual(a.body);
      expect(await variantsStored(photo)).toBe(before + 1);
    });

    it.each([
      ['w_0', 400, 'invalid_dimension'],
      ['w_abc', 400, 'invalid_dimension'],
      ['w_5000', 400, 'dimension_too_large'],
      ['h_4097', 400, 'dimension_too_large'],
      ['q_0', 400, 'invalid_quality'],
      ['q_101', 400, 'invalid_quality'],
      ['c_top', 400, 'invalid_gravity'],
      ['fm_gif', 400, 'unsupported_output_format'],
      ['blur_3', 400, 'unknown_format_option'],
      ['w_1,w_2', 400, 'duplicate_format_option'],
      ['w_10,,h_10', 400, 'invalid_format'],
    ])('refuses %s with %i %s as problem+json', async (format, status, code) => {
      const response = await fetch(variantUrl(photo, encodeURIComponent(format)));
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ code });
    });

    it('answers 415 for a file that is not an image and 404 for an unknown file', async () => {
      const text = await upload(Buffer.from('plain text'), 'readme.txt');
      const url = originalOf(text).url.replace(/\/([^/]+)$/, '/w_100/$1');
      const refused = await fetch(url);
      expect(refused.status).toBe(415);
      expect(await refused.json()).toMatchObject({ code: 'unsupported_media_type' });
      const unknown = await fetch(`${context.gateway}/cdn/00000000-0000-4000-8000-000000000000/w_100/x.jpg`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'file_not_found' });
    });

    it('offers format_url on thumbnails once processed, and renders from them', async () => {
      let ready: Asset | undefined;
      await waitFor('processing', async () => {
        ready = (await (await fetch(`${context.gateway}/assets/${photo.id}`, { headers: auth() })).json()) as Asset;
        return ready.status === 'ready';
      }, { timeoutMs: 120_000 });
      const thumbnails = ready?.cdn_files.items.filter((file) => file.role === 'thumbnail') ?? [];
      expect(thumbnails.length).toBeGreaterThan(0);
      for (const thumbnail of thumbnails) expect(thumbnail.format_url).toContain('/{format}/');
      const { meta } = await image((thumbnails[0].format_url ?? '').replace('{format}', 'w_100,fm_png'));
      expect(meta).toMatchObject({ width: 100, format: 'png' });
    });
  });

  describe('gravity', () => {
    let across: Asset;
    let down: Asset;

    beforeAll(async () => {
      across = await upload(await makeBandedImage({ direction: 'across' }), 'across.png');
      down = await upload(await makeBandedImage({ direction: 'down' }), 'down.png');
    });

    // Bands: red, green, blue. A square crop of a wide image keeps the west, middle or east band; of a tall one the north, middle or south.
    it.each([
      ['north', 1, 0],
      ['northeast', 2, 0],
      ['east', 2, 1],
      ['southeast', 2, 2],
      ['south', 1, 2],
      ['southwest', 0, 2],
      ['west', 0, 1],
      ['northwest', 0, 0],
      ['center', 1, 1],
      ['centre', 1, 1],
    ])('c_%s keeps the expected part', async (gravity, acrossBand, downBand) => {
      const wide = await image(variantUrl(across, `w_100,h_100,c_${gravity},fm_png`));
      expect(wide.meta).toMatchObject({ width: 100, height: 100 });
      expect(await centreBand(wide.body)).toBe(acrossBand);
      const tall = await image(variantUrl(down, `w_100,h_100,c_${gravity},fm_png`));
      expect(await centreBand(tall.body)).toBe(downBand);
    });

    it('defaults to the centre', async () => {
      expect(await centreBand((await image(variantUrl(across, 'w_100,h_100,fm_png'))).body)).toBe(1);
    });
  });

  describe('variants go with their asset', () => {
    it('removes variants when the asset is deleted', async () => {
      const asset = await upload(await makeBandedImage({ direction: 'across', format: 'jpeg' }), 'gone.jpg');
      const url = variantUrl(asset, 'w_50,fm_webp');
      expect((await fetch(url)).status).toBe(200);
      // The first answer is streamed while the variant is stored, so storage may finish a moment later.
      await waitFor('variant stored', async () => (await variantsStored(asset)) === 1, { timeoutMs: 30_000 });
      const client = await MongoClient.connect(context.databaseUri);
      try {
        const claims = client.db().collection('image_variants');
        expect(await claims.countDocuments({ asset_id: asset.id })).toBe(1);
        expect((await fetch(`${context.gateway}/assets/${asset.id}`, { method: 'DELETE', headers: auth() })).status).toBe(204);
        expect((await fetch(url)).status).toBe(404);
        await waitFor('variants deleted', async () => (await variantsStored(asset)) === 0, { timeoutMs: 30_000 });
        // The renderer's claims (what the per-file cap counts) go too.
        await waitFor('claims forgotten', async () => (await client.db().collection('image_variants').countDocuments({ asset_id: asset.id })) === 0, { timeoutMs: 30_000 });
      } finally {
        await client.close();
      }
    });

    it('removes variants when the file is replaced, and renders the new one', async () => {
      const asset = await upload(await makeBandedImage({ direction: 'across' }), 'before.png');
      const old = variantUrl(asset, 'w_60,h_60,c_west,fm_png');
      expect(await centreBand((await image(old)).body)).toBe(0);
      await waitFor('variant stored', async () => (await variantsStored(asset)) === 1, { timeoutMs: 30_000 });
      const { body, contentType } = multipartBody([{ name: 'source', value: await makeBandedImage({ direction: 'down' }), filename: 'after.png' }]);
      const replaced = await fetch(`${context.gateway}/assets/${asset.id}`, { method: 'PUT', headers: { ...auth(), 'Content-Type': contentType }, body });
      expect(replaced.status).toBe(200);
      const after = (await replaced.json()) as Asset;
      await waitFor('old variants deleted', async () => (await variantsStored(asset)) === 0, { timeoutMs: 30_000 });
      expect((await fetch(old)).status).toBe(404);
      const fresh = await image(variantUrl(after, 'w_60,h_60,c_north,fm_png'));
      expect(fresh.meta).toMatchObject({ width: 60, height: 60 });
      expect(await centreBand(fresh.body)).toBe(0);
    });
  });

  describe('bounds and single flight across replicas', () => {
    const children: ChildProcess[] = [];
    let encoder2: string;
    /** Storage as a renderer sees it through a network that can fail its variant stores. */
    let flakyStorage: FaultProxy;
    let flakyEncoder: string;
    let flakyGateway: string;
    let signedGateway: string;
    let presetGateway: string;
    const signingKey = 's'.repeat(40);

    beforeAll(async () => {
      const repoRoot = findRepoRoot();
      const logs = path.join(repoRoot, 'reports', 'e2e-logs');
      const shared = {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        MONGODB_URI: context.databaseUri,
        KAFKA_BROKERS: context.kafkaBrokers,
        STORAGE_URL: context.storage,
      };
      const start = async (service: 'encoder' | 'ingest-api', name: string, env: Record<string, string>) => {
        const port = await freePort();
        children.push(launchService(repoRoot, service, { ...shared, ...identityEnv(service, context.identity), ...env, PORT: String(port) }, logs, name));
        const url = `http://127.0.0.1:${port}`;
        await waitFor(`${name} readiness`, async () => (await fetch(`${url}/health/ready`)).ok, { timeoutMs: 90_000 });
        return url;
      };
      const gatewayEnv = { JWT_HS256_SECRET: context.jwtSecret, FANOUT_URL: context.fanout, PUBLIC_BASE_URL: context.gateway };
      // A second renderer with a cap of 4 variants per file, behind a gateway that serves signed formats only.
      encoder2 = await start('encoder', 'encoder-images-replica', { IMAGE_MAX_VARIANTS_PER_FILE: '4' });
      signedGateway = await start('ingest-api', 'ingest-api-signed', { ...gatewayEnv, IMAGING_URL: encoder2, IMAGE_SIGNING_KEY: signingKey, IMAGE_MAX_DIMENSION: '1000' });
      presetGateway = await start('ingest-api', 'ingest-api-presets', { ...gatewayEnv, IMAGING_URL: context.encoder, IMAGE_PRESETS: 'thumb=w_40,h_40,fm_webp;wide=w_300,fm_jpeg' });
      flakyStorage = await startFaultProxy(context.storage);
      flakyEncoder = await start('encoder', 'encoder-images-flaky-storage', { STORAGE_URL: flakyStorage.url });
      flakyGateway = await start('ingest-api', 'ingest-api-flaky-renderer', { ...gatewayEnv, IMAGING_URL: flakyEncoder });
    }, 300_000);

    afterAll(async () => {
      for (const child of children) child.kill('SIGTERM');
      await flakyStorage?.close();
    });

    it.each([
      ['the transfer is cut half-way', (url: string) => (/^\/uploads\/var-[0-9a-f]+\/chunks/.test(url) ? { kind: 'cut-request' as const, afterBytes: 2_000 } : { kind: 'pass' as const })],
      ['the completion fails after the transfer', (url: string) => (/^\/uploads\/var-[0-9a-f]+\/complete/.test(url) ? { kind: 'answer' as const, status: 503 } : { kind: 'pass' as const })],
    ])('still answers the first request whole when %s, and leaves no partial variant behind', async (_, fault) => {
      // Noise, so the variant is big enough to be cut half-way (flat colours would compress to almost nothing).
      const noisy = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 90 }).toBuffer();
      const asset = await upload(noisy, 'flaky.jpg');
      const format = 'w_640,h_480,q_90,fm_jpeg';
      flakyStorage.plan((request) => fault(request.url));
      const seenBefore = flakyStorage.requests.length;
      try {
        const first = await image(variantUrl(asset, format, flakyGateway));
        expect(first.response.status).toBe(200);
        expect(first.meta).toMatchObject({ width: 640, height: 480, format: 'jpeg' });
        expect(first.body.length).toBeGreaterThan(20_000);
        const client = await MongoClient.connect(context.databaseUri);
        try {
          const db = client.db();
          // The failed store gives its claim up last, after removing what storage kept of the transfer.
          await waitFor('claim given up', async () => (await db.collection('image_variants').countDocuments({ asset_id: asset.id })) === 0, { timeoutMs: 30_000 });
          const transfer = flakyStorage.requests.slice(seenBefore).find((request) => /^\/uploads\/var-/.test(request.url));
          const variantId = /^\/uploads\/(var-[0-9a-f]+)\//.exec(transfer?.url ?? '')?.[1];
          expect(variantId).toBeDefined();
          expect(await variantsStored(asset)).toBe(0);
          expect(await db.collection<{ _id: string }>('uploads').countDocuments({ _id: variantId as string })).toBe(0);
          expect(await db.collection('upload_parts').countDocuments({ upload_id: variantId })).toBe(0);
          expect(await db.collection('fs.chunks').countDocuments({ files_id: variantId })).toBe(0);
        } finally {
          await client.close();
        }
        // A later request renders and stores it again: the bytes the first client got are the stored ones.
        flakyStorage.plan(() => ({ kind: 'pass' }));
        const again = await image(variantUrl(asset, format));
        expect(again.body).toEqual(first.body);
        await waitFor('variant stored', async () => (await variantsStored(asset)) === 1, { timeoutMs: 30_000 });
        const stored = await image(variantUrl(asset, format));
        expect(stored.body).toEqual(first.body);
        expect(stored.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
      } finally {
        flakyStorage.plan(() => ({ kind: 'pass' }));
      }
    });

    it('renders a variant once for 12 concurrent requests through two gateways and two renderers', async () => {
      const asset = await upload(await makeBandedImage({ direction: 'across', band: 800 }), 'busy.png');
      const before = (await renders(context.encoder)) + (await renders(encoder2));
      const format = 'w_700,h_300,c_east,q_70,fm_webp';
      const signature = signFormat(signingKey, originalOf(asset).id, { width: 700, height: 300, gravity: 'east', quality: 70, format: 'webp' });
      const urls = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? variantUrl(asset, format) : variantUrl(asset, `${format},s_${signature}`, signedGateway)));
      const answers = await Promise.all(urls.map((url) => image(url)));
      for (const answer of answers) {
        expect(answer.response.status).toBe(200);
        expect(answer.body).toEqual(answers[0].body);
      }
      expect((await renders(context.encoder)) + (await renders(encoder2)) - before).toBe(1);
      expect(await variantsStored(asset)).toBe(1);
    });

    it('serves only correctly signed formats when a signing key is set', async () => {
      const asset = await upload(await makeBandedImage({ direction: 'down' }), 'signed.png');
      const id = originalOf(asset).id;
      const signature = signFormat(signingKey, id, { width: 30, gravity: 'center' });
      expect((await image(variantUrl(asset, `w_30,s_${signature}`, signedGateway))).meta).toMatchObject({ width: 30 });
      for (const format of ['w_30', `w_31,s_${signature}`, `w_30,s_${'A'.repeat(32)}`]) {
        const refused = await fetch(variantUrl(asset, format, signedGateway));
        expect(refused.status).toBe(403);
        expect(await refused.json()).toMatchObject({ code: 'invalid_signature' });
      }
    });

    it('bounds sizes by the configured maximum and variants per file by the configured cap', async () => {
      const asset = await upload(await makeBandedImage({ direction: 'across' }), 'capped.png');
      const id = originalOf(asset).id;
      const signed = (width: number) => variantUrl(asset, `w_${width},s_${signFormat(signingKey, id, { width, gravity: 'center' })}`, signedGateway);
      const tooWide = await fetch(signed(1001));
      expect(tooWide.status).toBe(400);
      expect(await tooWide.json()).toMatchObject({ code: 'dimension_too_large' });
      for (const width of [10, 20, 30, 40]) expect((await fetch(signed(width))).status).toBe(200);
      const fifth = await fetch(signed(50));
      expect(fifth.status).toBe(400);
      expect(await fifth.json()).toMatchObject({ code: 'variant_limit_reached' });
      // Those already made are still served.
      expect((await fetch(signed(20))).status).toBe(200);
    });

    it('serves only named presets when presets are configured', async () => {
      const asset = await upload(await makeBandedImage({ direction: 'across' }), 'preset.png');
      const thumb = await image(variantUrl(asset, 'thumb', presetGateway));
      expect(thumb.meta).toMatchObject({ width: 40, height: 40, format: 'webp' });
      expect((await image(variantUrl(asset, 'wide', presetGateway))).meta).toMatchObject({ width: 300, format: 'jpeg' });
      const refused = await fetch(variantUrl(asset, 'w_40', presetGateway));
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'unknown_preset' });
    });
  });
});
