import type { Messages } from './en';

/** 中文消息（默认语言）；键与 en.ts 相同。 */
const zhCN: Messages = {
  app: { title: '幼儿园平台' },
  shell: { navigation: '主导航', language: '语言', signOut: '退出登录' },
  roles: { operator: '运营', admin: '管理员', super_admin: '超级管理员' },
  menu: {
    dashboard: '概览', tenants: '租户', cleanup: '清理队列', dbServers: '数据库服务器',
    aiModels: 'AI 模型', schema: '结构发布', audit: '审计日志', users: '全局用户',
    admins: '管理员', smsInbox: '短信开发收件箱',
  },
  common: {
    search: '搜索', refresh: '刷新', cancel: '取消', save: '保存', confirm: '确认', close: '关闭',
    actions: '操作', status: '状态', createdAt: '创建时间', yes: '是', no: '否', none: '—', copy: '复制',
    copied: '已复制', done: '完成', loadFailed: '加载失败：{message}', saved: '已保存', all: '全部',
  },
  status: {
    provisioning: '开通中', active: '正常', inactive: '未启用', suspended: '已暂停', failed: '失败',
    deleted: '已删除', purged: '已清除', pending: '等待中', running: '进行中', completed: '已完成',
    skipped: '已跳过', in_progress: '处理中', cancelled: '已取消', locked: '已锁定', disabled: '已停用',
  },
  plans: { basic: '基础版', standard: '标准版', premium: '高级版', enterprise: '企业版' },
  login: {
    title: '运营人员登录', username: '用户名', password: '密码', submit: '登录',
    required: '必填', invalid: '用户名或密码错误。',
    locked: '失败次数过多，账号已锁定。请在 {minutes} 分钟后再试。',
    rateLimited: '尝试次数过多，请等待 {seconds} 秒后再试。',
    inactive: '该账号未启用，请联系超级管理员。',
  },
  dashboard: {
    title: '概览', byStatus: '各状态租户数', total: '租户总数', inFlight: '正在开通', stuck: '超过 10 分钟未完成',
    failures: '最近失败', cleanupSoon: '7 天内到期的清理', aiUsage: '近 30 天 AI 调用次数与费用',
    calls: '调用次数', cost: '费用', noData: '暂无数据', step: '第 {current}/{total} 步', daysLeft: '剩余 {days} 天',
  },
  tenants: {
    title: '租户', create: '新建租户', searchPlaceholder: '编码、名称、域名或电话', statusFilter: '状态',
    code: '编码', name: '名称', domain: '域名', plan: '套餐', contact: '联系人', phone: '电话',
    database: '数据库', scheduledDeletion: '计划清除时间', open: '查看',
  },
  create: {
    title: '新建租户', code: '租户编码', codeHint: '留空则自动分配下一个编码',
    name: '幼儿园名称', contactName: '联系人', contactEmail: '联系邮箱', contactPhone: '联系电话',
    smsCode: '短信验证码', sendCode: '发送验证码', resendIn: '{seconds} 秒后重发', codeSent: '验证码已发送至 {phone}',
    fromInbox: '从开发收件箱填入', inboxEmpty: '开发收件箱中还没有该号码的验证码',
    address: '地址', plan: '套餐', dbServer: '数据库服务器', dbServerAuto: '自动（剩余容量最多）',
    submit: '创建', required: '必填', badPhone: '请输入有效的手机号码',
    badEmail: '请输入有效的邮箱地址', badCode: '格式为 k 加至少 3 位数字，例如 k003',
    fixFields: '请检查标出的字段',
  },
  progress: {
    title: '开通 {code}', live: '实时', ended: '已结束', reconnecting: '正在重连…',
    step: '步骤', attempts: '尝试次数', duration: '耗时', error: '错误', retry: '从失败步骤重试',
    retried: '已开始重试', active: '{code} 已开通', failed: '开通失败：{error}',
    otpTitle: '幼儿园管理员的一次性密码',
    otpHint: '仅显示一次。请交给 {phone}，首次登录时必须修改。', openTenant: '查看租户',
    steps: {
      reserve_subdomain: '预留子域名', create_database: '创建数据库', clone_template: '克隆模板',
      create_admin: '创建管理员', copy_ai_models: '复制 AI 配置', create_storage: '创建存储目录',
      open_account: '开通账户', activate: '启用租户',
    },
  },
  detail: {
    title: '租户 {code}', overview: '概况', edit: '编辑', users: '用户', status: '状态', domain: '域名',
    database: '数据库', server: '数据库服务器', storagePrefix: '存储前缀', schemaVersion: '结构版本',
    plan: '套餐', balance: '账户余额', creditLimit: '信用额度', scheduledDeletion: '计划清除时间',
    contact: '联系人', email: '邮箱', phone: '电话', address: '地址', description: '描述',
    error: '开通错误', createdAt: '创建时间', suspend: '暂停', activate: '启用', delete: '删除',
    restore: '恢复', retry: '重试', progress: '开通进度',
    confirmSuspend: '暂停 {code}？其员工将在 1 秒内被拒绝访问，直到重新启用。数据不会改变。',
    confirmActivate: '启用 {code}？其员工可立即重新登录并使用。',
    confirmDelete: '删除 {code}？DNS 立即移除，数据将于 {date} 清除，在此之前可以恢复。',
    confirmRestore: '恢复 {code}？待执行的清理将被取消，DNS 重新创建，租户及其全部数据恢复正常。',
    confirmRetry: '从失败的步骤重新开通 {code}？',
    confirmUnbind: '将 {name}（{phone}）从 {code} 解绑？其在该租户的令牌立即失效。',
    done: '完成：{code} 当前为 {status}', bind: '绑定用户', bindPhone: '已注册用户的手机号', role: '角色',
    unbind: '解绑', realName: '姓名', lastLogin: '最近登录', editTitle: '编辑 {code}',
  },
  tenantRoles: { admin: '管理员', teacher: '教师', staff: '职员', viewer: '只读' },
  cleanup: {
    title: '清理队列', tenant: '租户', resource: '资源', name: '名称', due: '清除日期',
    daysLeft: '剩余天数', retries: '重试次数', cancelEntry: '取消清除',
    confirmCancel: '取消清除 {code} 的 {resource}？资源将被保留；恢复租户后可再次使用。',
    cancelled: '已取消该清理项',
  },
  dbServers: {
    title: '数据库服务器', name: '名称', host: '主机', capacity: '容量', tenants: '租户数',
    free: '剩余', setStatus: '设置状态',
  },
  aiModels: {
    title: 'AI 模型', name: '名称', displayName: '显示名称', provider: '提供商', endpoint: '接口地址',
    type: '类型', price: '每千 token 价格（输入/输出）', isDefault: '默认', apiKey: 'API 密钥', keySet: '已设置',
    keyMissing: '未设置', add: '添加模型', setKey: '更换密钥', keyHint: '只写：密钥保存后不再显示',
  },
  schema: {
    title: '结构发布', rollouts: '发布记录', drift: '漂移报告', start: '开始发布',
    canary: '金丝雀数量', phase: '阶段', target: '目标版本', tenants: '租户数', requestedBy: '发起人',
    checkDrift: '检查漂移', inSync: '一致', drifted: '有漂移', templateVersion: '模板版本 {version}',
    differences: '差异', version: '版本', percent: '完成度',
    confirmStart: '先将待执行的模板迁移应用到模板库，再应用到每个租户数据库？',
  },
  audit: {
    title: '审计日志', tenant: '租户', action: '操作', actor: '操作人', target: '对象', ip: 'IP', time: '时间',
    verify: '校验哈希链', verifyOk: '哈希链完整：已校验 {checked} 条',
    verifyBad: '第 {id} 条被篡改：{reason}', changes: '变更前 / 变更后',
  },
  users: {
    title: '全局用户', searchPlaceholder: '手机号、姓名或邮箱', phone: '手机号', name: '姓名', email: '邮箱',
    tenants: '所属租户', lastLogin: '最近登录', lock: '锁定', unlock: '解锁', disable: '停用',
    resetPassword: '重置密码', unbind: '解绑',
    confirmLock: '锁定 {name}？其会话将在 1 秒内结束，解锁前无法登录。',
    confirmUnlock: '解锁 {name}？其可以重新登录。',
    confirmDisable: '停用 {name}？其会话将在 1 秒内结束，且无法再登录。',
    confirmReset: '重置 {name} 的密码？其会话将结束，并获得一次性密码。',
    otpTitle: '{name} 的一次性密码', otpHint: '仅显示一次。首次登录时必须修改。',
  },
  admins: {
    title: '管理员', username: '用户名', email: '邮箱', role: '角色', lastLogin: '最近登录', add: '添加管理员',
    password: '密码', suspend: '停用', reactivate: '重新启用',
  },
  sms: { hint: '输入手机号以查看发送给它的验证码。', title: '短信开发收件箱', phone: '手机号', purpose: '用途', code: '验证码', sentAt: '发送时间', expiresAt: '过期时间', off: '仅在 SMS_PROVIDER=console 时提供开发收件箱。' },
};

export default zhCN;
