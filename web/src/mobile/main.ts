import { createApp } from 'vue'
import { createRouter, createWebHashHistory } from 'vue-router'
import App from './App.vue'

// Each page loads on demand: a villager following an order loads neither the sign-up nor the lookup.
const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: () => import('./views/Home.vue'), meta: { title: '民情 · 群众服务' } },
    { path: '/matter', component: () => import('./views/MatterLookup.vue'), meta: { title: '信访事项查询' } },
    { path: '/order', component: () => import('./views/OrderService.vue'), meta: { title: '我要点单' } },
    { path: '/order/:id', component: () => import('./views/FollowOrder.vue'), meta: { title: '点单进度' }, props: true },
    { path: '/cadre', component: () => import('./views/CadreDesk.vue'), meta: { title: '驻村干部' } },
    { path: '/volunteer', component: () => import('./views/VolunteerSignUp.vue'), meta: { title: '志愿者报名' } },
    { path: '/team', component: () => import('./views/TeamDesk.vue'), meta: { title: '服务队接单' } },
  ],
})
router.afterEach((to) => { document.title = String(to.meta.title ?? '民情') })
createApp(App).use(router).mount('#app')
