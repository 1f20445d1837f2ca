// An SVG bar chart of the HTTP benchmark: each variant's throughput as a share
// of the bare server under the same workload, many users (solid, first) beside hot (pale).
export interface Bar {
  variant: string;
  manyUsers: number;
  hot: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function httpChart(bars: Bar[], subtitle: string): string {
  const row = 34;
  const left = 190;
  const width = 660;
  const plot = width - left - 70;
  const top = 74;
  const height = top + bars.length * row + 36;
  const color = (v: string) => (v.startsWith("tessera") ? "#2d5bd7" : v.startsWith("hand-written") || v === "bare" || v === "cookie echo" ? "#8a94a6" : "#d08a2c");
  const pale = (v: string) => (v.startsWith("tessera") ? "#aebfee" : v.startsWith("hand-written") || v === "bare" || v === "cookie echo" ? "#d2d6dd" : "#ecd0a8");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const x = left + t * plot;
      return `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 30}" stroke="#e3e6ea"/><text x="${x}" y="${height - 14}" text-anchor="middle">${t.toFixed(2)}</text>`;
    })
    .join("");
  const bar = (x: number, y: number, h: number, fill: string, label: string) => {
    if (Number.isNaN(x)) return "";
    const w = Math.max(1, Math.min(1, x) * plot);
    return `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${h}" rx="2" fill="${fill}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + h - 2}" font-size="${h > 12 ? 12 : 10}">${x.toFixed(2)}x${label}</text>`;
  };
  const rects = bars
    .map((b, i) => {
      const y = top + i * row;
      return `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(b.variant)}</text>${bar(b.manyUsers, y + 2, 16, color(b.variant), "")}${bar(b.hot, y + 19, 10, pale(b.variant), " hot")}`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="#1d2330">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="22" font-size="15" font-weight="600">HTTP throughput as a share of the bare server, many users and hot</text>
<text x="16" y="40" fill="#667">${esc(subtitle)}</text>
<rect x="16" y="50" width="14" height="10" fill="#2d5bd7"/><text x="36" y="59">many users: a random one of 10,000 sessions per request</text>
<rect x="440" y="52" width="14" height="6" fill="#aebfee"/><text x="460" y="59">hot: one session</text>
${ticks}${rects}
</svg>
`;
}
