import type { ReactNode } from "react";

export const metadata = { title: "tessera-session · Next.js" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", maxWidth: 560, margin: "3rem auto", lineHeight: 1.5 }}>{children}</body>
    </html>
  );
}
