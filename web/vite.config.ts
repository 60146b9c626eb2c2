import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// `npm run dev` serves the UI on :5173 and forwards API calls to a running api on :1323.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:1323',
      '/health': 'http://127.0.0.1:1323',
      '/.well-known': 'http://127.0.0.1:1323',
    },
  },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
