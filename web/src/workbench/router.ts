// The workbench's routes: one folder per role's area, each view loaded on demand; everything but the
// sign-in page needs a session, and a forced password change comes before anything else.
import { createRouter, createWebHashHistory } from 'vue-router'
import { setSignedOutHandler } from '../api/http'
import { loadSession, MENU, session } from './session'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', component: () => import('./views/Login.vue'), meta: { title: '登录', public: true } },
    { path: '/password', component: () => import('./views/Password.vue'), meta: { title: '修改密码' } },
    { path: '/petition/receipt/:id', component: () => import('./views/petition/Receipt.vue'), meta: { title: '受理凭证' }, props: true },
    {
      path: '/', component: () => import('./Layout.vue'),
      children: [
        { path: '', component: () => import('./views/Home.vue'), meta: { title: '首页' } },
        { path: 'petition/register', component: () => import('./views/petition/Register.vue'), meta: { title: '信访登记' } },
        { path: 'petition/worklist', component: () => import('./views/petition/Worklist.vue'), meta: { title: '信访事项' } },
        { path: 'petition/matters/:id', component: () => import('./views/petition/MatterDetail.vue'), meta: { title: '事项详情' }, props: true },
        { path: 'petition/queues', component: () => import('./views/petition/Queues.vue'), meta: { title: '领导待办' } },
        { path: 'department/inbox', component: () => import('./views/petition/Worklist.vue'), meta: { title: '部门待办' }, props: { inbox: true } },
        { path: 'volunteer/board', component: () => import('./views/volunteer/Board.vue'), meta: { title: '点单派单' } },
        { path: 'volunteer/volunteers', component: () => import('./views/volunteer/Volunteers.vue'), meta: { title: '志愿者与时长' } },
        { path: 'safety/enterprises', component: () => import('./views/safety/Enterprises.vue'), meta: { title: '安全生产' } },
        { path: 'safety/penalties', component: () => import('./views/safety/Penalties.vue'), meta: { title: '处罚与关闭建议' } },
        { path: 'safety/accidents', component: () => import('./views/safety/Accidents.vue'), meta: { title: '事故报告' } },
        { path: 'safety/follow-ups', component: () => import('./views/safety/FollowUps.vue'), meta: { title: '回头看' } },
        { path: 'safety/suspensions', component: () => import('./views/safety/Suspensions.vue'), meta: { title: '停产整顿与复产' } },
        { path: 'liaison/week', component: () => import('./views/liaison/Week.vue'), meta: { title: '驻村考勤' } },
        { path: 'liaison/unvisited', component: () => import('./views/liaison/Unvisited.vue'), meta: { title: '本月未走访' } },
        { path: 'liaison/households/:id', component: () => import('./views/liaison/Household.vue'), meta: { title: '联系户' }, props: true },
        { path: 'admin/accounts', component: () => import('./views/admin/Accounts.vue'), meta: { title: '账号管理' } },
        { path: 'admin/reference', component: () => import('./views/admin/Reference.vue'), meta: { title: '参考数据' } },
        { path: 'dashboard', component: () => import('./views/Dashboard.vue'), meta: { title: '全县驾驶舱' } },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const account = await loadSession()
  if (!account) return { path: '/login', query: { next: to.fullPath } }
  if (account.must_change_password && to.path !== '/password') return '/password'
  const item = MENU.find((m) => m.path === to.path)
  if (item && !item.roles.includes(account.role)) return '/'
  return true
})
router.afterEach((to) => { document.title = `${String(to.meta.title ?? '')} · 民情工作台` })
setSignedOutHandler(() => {
  session.account = null
  if (router.currentRoute.value.path !== '/login') router.push({ path: '/login', query: { next: router.currentRoute.value.fullPath } })
})
