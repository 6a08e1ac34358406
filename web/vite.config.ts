// Two pages, one build: the staff workbench (Element Plus) at /workbench/ and the citizens' phone
// pages (Vant) at /m/. nginx serves dist/ (deploy/nginx/minqing-locations.conf); each page is a
// hash-routed single-page app whose views load on demand (route-level code splitting).
import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { VantResolver } from '@vant/auto-import-resolver'

// Vant's icon font names a fallback on a public CDN after its inline copy: the county's pages load
// nothing from outside (and the proxy's CSP would refuse it), so the fallback is dropped.
const noRemoteFonts: Plugin = {
  name: 'minqing-no-remote-fonts',
  enforce: 'pre',
  transform(code, id) {
    if (!id.split('?')[0].endsWith('.css') || !code.includes('alicdn.com')) return null
    return { code: code.replace(/,\s*url\(\/\/at\.alicdn\.com[^)]*\)\s*format\("woff"\)/g, ''), map: null }
  },
}

export default defineConfig({
  base: '/',
  plugins: [
    noRemoteFonts,
    vue(),
    // Element Plus and Vant on demand: only the components a page uses, with their styles.
    AutoImport({ resolvers: [ElementPlusResolver(), VantResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver(), VantResolver()], dts: false }),
  ],
  build: {
    outDir: 'dist',
    assetsDir: 'static',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: {
        workbench: resolve(import.meta.dirname, 'workbench/index.html'),
        m: resolve(import.meta.dirname, 'm/index.html'),
      },
    },
  },
})
