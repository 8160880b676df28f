// The one decoder for what our components receive: prepended to every component's JS by
// app/components/base.py, so every component reads its data and arrays the same way.

// `data` arrives as JSON bytes (a Uint8Array): a dict would go through Streamlit's dataframe-aware
// serialiser, whose first call imports pandas (see base.py).
const decode = (raw) => (raw instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(raw)) : raw || {});

// An array sent by `b64_array` (base64 of its raw bytes) → its bytes.
function base64Bytes(b64) {
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// `b64_array(values, "<f4")` → the float32 values (little-endian, as every browser we run on is).
const floats = (b64) => new Float32Array(base64Bytes(b64).buffer);

// `b64_array(image, np.uint8)` of an h×w greyscale image → opaque grey ImageData, ready to paint.
function greyPixels(b64, w, h) {
  const grey = base64Bytes(b64), img = new ImageData(w, h), px = new Uint32Array(img.data.buffer);
  for (let k = 0; k < grey.length; k++) { const v = grey[k]; px[k] = 0xff000000 | (v << 16) | (v << 8) | v; }
  return img;
}
