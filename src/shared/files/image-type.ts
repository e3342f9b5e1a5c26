import { DomainError } from '../errors';

export interface DetectedImage {
  contentType: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  extension: 'png' | 'jpg' | 'webp' | 'gif';
  width: number;
  height: number;
}

/** Beyond this on a side an image is a decompression bomb, not an avatar. */
export const MAX_IMAGE_SIDE = 10_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Markup a browser or a server-side interpreter would act on, anywhere in the bytes: a polyglot is
 * a valid image that is also a page or a script, waiting for a content sniffer or a wrong
 * Content-Type. A tag name must be followed by what ends it, so that pixel data, where any short
 * byte sequence can occur by chance, is not mistaken for a tag.
 */
const MARKUP = /<(?:script|html|svg)[\s/>]|<\?php|<!doctype\s+html/i;

/**
 * Decides what an image is from its own bytes (signature and header), never from a name or a
 * claimed type. Returns null for anything but a PNG, JPEG, WebP or GIF with readable dimensions.
 */
export function detectImage(bytes: Buffer): DetectedImage | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return png(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpeg(bytes);
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return gif(bytes);
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webp(bytes);
  return null;
}

/**
 * The check every stored image passes: a supported type by its bytes, with sane dimensions.
 * Size limits are the caller's (they apply while reading, before the bytes are here).
 */
export function assertSupportedImage(bytes: Buffer): DetectedImage {
  const image = detectImage(bytes);
  if (!image) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the file is not a PNG, JPEG, WebP or GIF image');
  if (MARKUP.test(bytes.toString('latin1'))) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the image also contains HTML, SVG or script markup');
  }
  if (image.width > MAX_IMAGE_SIDE || image.height > MAX_IMAGE_SIDE) {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the image is ${image.width}×${image.height} pixels; at most ${MAX_IMAGE_SIDE} pixels on a side are accepted`,
    );
  }
  return image;
}

function png(bytes: Buffer): DetectedImage | null {
  // The first chunk must be IHDR: length 13, then width and height (big-endian).
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return null;
  return sized('image/png', 'png', bytes.readUInt32BE(16), bytes.readUInt32BE(20));
}

function gif(bytes: Buffer): DetectedImage | null {
  if (bytes.length < 10) return null;
  return sized('image/gif', 'gif', bytes.readUInt16LE(6), bytes.readUInt16LE(8));
}

/** Walks the JPEG segments up to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC). */
function jpeg(bytes: Buffer): DetectedImage | null {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan before any frame
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return null;
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      if (offset + 9 > bytes.length) return null;
      return sized('image/jpeg', 'jpg', bytes.readUInt16BE(offset + 7), bytes.readUInt16BE(offset + 5));
    }
    offset += 2 + length;
  }
  return null;
}

function webp(bytes: Buffer): DetectedImage | null {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') {
    // Lossy: a 3-byte frame tag, the start code 9d 01 2a, then 14-bit width and height.
    if (bytes.length < 30 || bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    return sized('image/webp', 'webp', bytes.readUInt16LE(26) & 0x3fff, bytes.readUInt16LE(28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2f, then width-1 and height-1 in 14 bits each.
    if (bytes.length < 25 || bytes[20] !== 0x2f) return null;
    const bits = bytes.readUInt32LE(21);
    return sized('image/webp', 'webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Extended: flags and reserved bytes, then the canvas width-1 and height-1 in 24 bits each.
    if (bytes.length < 30) return null;
    return sized('image/webp', 'webp', bytes.readUIntLE(24, 3) + 1, bytes.readUIntLE(27, 3) + 1);
  }
  return null;
}

function sized(
  contentType: DetectedImage['contentType'],
  extension: DetectedImage['extension'],
  width: number,
  height: number,
): DetectedImage | null {
  return width > 0 && height > 0 ? { contentType, extension, width, height } : null;
}

function ascii(bytes: Buffer, start: number, length: number): string {
  return bytes.toString('latin1', start, start + length);
}
