import { createApp } from 'vue';
import { initialLocale, setupI18n } from '@kg/web-ui';
// Styles of the services called from code (ElMessage, ElMessageBox): the on-demand resolver only
// sees components used in templates.
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import App from './App.vue';
import { router } from './router';
import { session } from './session';
import en from './locales/en';
import zhCN from './locales/zh-CN';
import '@kg/web-ui/base.css';

const i18n = setupI18n({ 'zh-CN': zhCN, en });
document.documentElement.lang = initialLocale();

createApp(App)
  .use(i18n)
  .use(router)
  // v-can="'staff:write'": removes what the user's permissions do not allow (the API refuses anyway).
  .directive<HTMLElement, string>('can', { mounted: (el, binding) => { if (!session.can(binding.value)) el.remove(); } })
  .mount('#app');
