// An SVG bar chart of the HTTP benchmark: each variant's throughput as a share of the bare server.
export interface Bar {
  variant: string;
  vsBare: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function httpChart(bars: Bar[], subtitle: string): string {
  const row = 26;
  const left = 190;
  const width = 640;
  const plot = width - left - 70;
  const top = 54;
  const height = top + bars.length * row + 36;
  const color = (v: string) => (v.startsWith("tessera") ? "#2d5bd7" : v.startsWith("hand-written") || v === "bare" ? "#8a94a6" : "#d08a2c");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const x = left + t * plot;
      return `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 30}" stroke="#e3e6ea"/><text x="${x}" y="${height - 14}" text-anchor="middle">${t.toFixed(2)}</text>`;
    })
    .join("");
  const rects = bars
    .map((b, i) => {
      const y = top + i * row;
      const w = Math.max(1, Math.min(1, b.vsBare) * plot);
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.variant)}</text><rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="17" rx="2" fill="${color(b.variant)}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${b.vsBare.toFixed(2)}x</text>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="#1d2330">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="22" font-size="15" font-weight="600">HTTP throughput as a share of the bare server</text>
<text x="16" y="40" fill="#667">${esc(subtitle)}</text>
${ticks}${rects}
</svg>
`;
}
