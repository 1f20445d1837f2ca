/**
 * CSPRNG output drawn in 4 KiB batches. One `randomBytes(12)` call costs about
 * 2.8 us on Node 20 (measured), more than the AES-GCM encryption it feeds; a
 * batch makes each nonce or id almost free. Every byte is handed out once and
 * copied, so a later refill never changes bytes a caller holds.
 */
export class RandomPool {
  private buf = new Uint8Array(4096);
  private offset = this.buf.length;

  constructor(private readonly fill: (buf: Uint8Array) => void) {}

  take(n: number): Uint8Array {
    if (n > this.buf.length) {
      const out = new Uint8Array(n);
      this.fill(out);
      return out;
    }
    if (this.offset + n > this.buf.length) {
      this.fill(this.buf);
      this.offset = 0;
    }
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
