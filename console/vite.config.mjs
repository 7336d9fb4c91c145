// Builds the web console into dist/console; the API node serves it at /console.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  // libs/domain is pure TypeScript: the console uses its validators as they are (no copy).
  resolve: {
    alias: {
      '@vaxledger/domain/identifiers': fileURLToPath(new URL('../libs/domain/src/identifiers/index.ts', import.meta.url)),
      '@vaxledger/domain/aefi': fileURLToPath(new URL('../libs/domain/src/aefi/aefi.events.ts', import.meta.url)),
    },
  },
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
    rollupOptions: {
      // antd marks its modules "use client" (React Server Components); meaningless in a browser bundle.
      onwarn: (warning, warn) => {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
