import { createApp } from 'vue';
import { initialLocale, roleDirective, setupI18n } from '@kg/web-ui';
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
  .directive('role', roleDirective(() => session.role.value))
  .mount('#app');
