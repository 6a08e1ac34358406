// The workbench's routes: one folder per role's area, each view loaded on demand.
import { createRouter, createWebHashHistory } from 'vue-router'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: () => import('./views/Home.vue'), meta: { title: '民情工作台' } },
  ],
})
router.afterEach((to) => { document.title = `${String(to.meta.title ?? '')} · 民情工作台` })
