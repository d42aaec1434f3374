/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { geoPlugin } from './geo-plugin.ts';

// The dev server forwards /api to a running `traffic serve`/`traffic demo`
// (TRAFFIC_API_URL, default http://127.0.0.1:3200, the web helper's port).
const apiTarget = process.env.TRAFFIC_API_URL ?? 'http://127.0.0.1:3200';

export default defineConfig({
  base: './',
  plugins: [react(), geoPlugin()],
  server: {
    port: Number(process.env.VITE_PORT ?? 5173),
    strictPort: true,
    host: '127.0.0.1',
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 4000 },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
  },
});
