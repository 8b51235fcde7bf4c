import type en from './en';

/** 中文（默认语言）；键与 en.ts 相同。 */
const statuses = {
  active: '正常', archived: '已归档', on_leave: '休假', resigned: '已离职', graduated: '已毕业', withdrawn: '已撤回',
  inactive: '停用', draft: '草稿', published: '已发布', ongoing: '进行中', finished: '已结束', cancelled: '已取消',
  closed: '已关闭', pending: '待处理', in_progress: '处理中', done: '已完成', reviewing: '审核中', approved: '已录取',
  rejected: '未录取', disabled: '已停用',
};
const grades = { nursery: '托班', small: '小班', middle: '中班', large: '大班', mixed: '混龄班' };
const genders = { male: '男', female: '女' };
const relationships = { father: '父亲', mother: '母亲', guardian: '监护人', other: '其他' };

const zhCN: typeof en = {
  app: { title: '幼儿园教职工' },
  shell: { navigation: '主导航', language: '语言 / Language', signOut: '退出登录' },
  ledger: { aiCharge: 'AI {kind}（{model}）', cardRecharge: '充值卡 {batch}', callTypes: { chat: '对话', completion: '补全', embedding: '向量' } },
  roles: {
    create: '新建角色', code: '代码', permissions: '权限', members: '成员数', builtIn: '内置',
    removeConfirm: '删除角色“{name}”？当前没有人使用它。', actions: { read: '查看', write: '编辑', delete: '删除' },
  },
  roleNames: { admin: '园长（管理员）', teacher: '教师', staff: '行政人员', viewer: '只读' },
  menu: {
    dashboard: '工作台', classes: '班级', teachers: '教师', students: '幼儿', parents: '家长', enrollment: '招生',
    activities: '活动', notifications: '通知', todos: '待办', files: '文件', ai: 'AI 助手', staff: '教职工', roles: '角色',
    account: '我的账号', users: '用户', system: '设置', billing: '费用', usage: 'AI 用量',
  },
  common: {
    search: '搜索', create: '新建', edit: '编辑', delete: '删除', remove: '移除', cancel: '取消', save: '保存', confirm: '确定',
    actions: '操作', details: '详情', saved: '已保存', deleteConfirm: '确定删除这条记录？删除后无法恢复。', none: '暂无数据',
    copy: '复制', copied: '已复制', done: '完成', failed: '操作失败', assign: '分配',
  },
  login: {
    phone: '手机号', password: '密码', submit: '登录', required: '请输入手机号和密码。', invalid: '手机号或密码错误。',
    locked: '失败次数过多，账号已锁定，请 {minutes} 分钟后再试。', rateLimited: '尝试过于频繁，请等待 {seconds} 秒后再试。',
    inactive: '该账号已停用。', phoneInvalid: '请输入正确的手机号。', ended: '您已被退出：您在本园的权限已结束或变更。',
  },
  password: {
    title: '修改密码', hint: '您使用的是一次性密码，请先设置自己的密码。', current: '当前密码',
    next: '新密码（至少 8 位，包含字母和数字）', confirm: '再次输入新密码', submit: '修改密码', mismatch: '两次输入的密码不一致。',
    changed: '密码已修改，请重新登录。',
  },
  picker: { title: '选择幼儿园', none: '您还不属于任何幼儿园。', switch: '切换幼儿园', arriving: '正在登录…' },
  account: { title: '我的账号', name: '姓名', kindergarten: '幼儿园', roles: '角色' },
  dashboard: { todos: '未完成的待办', notifications: '最新通知', activities: '即将开始的活动' },
  fields: {
    name: '名称', grade: '年级', academicYear: '学年', capacity: '容量', room: '教室', status: '状态', description: '说明',
    phone: '电话', gender: '性别', title: '标题', hireDate: '入职日期', birthDate: '出生日期', classId: '班级',
    allergies: '过敏', remark: '备注', email: '邮箱', occupation: '职业', address: '地址', content: '内容', type: '类型',
    priority: '优先级', publishedAt: '发布时间', dueAt: '截止时间', startTime: '开始时间', endTime: '结束时间',
    registrationDeadline: '报名截止', location: '地点', year: '年份', term: '学期', targetCount: '计划人数',
    startDate: '开始日期', endDate: '结束日期', applicationNo: '申请编号', childName: '幼儿姓名', childBirthDate: '幼儿出生日期',
    childGender: '幼儿性别', desiredGrade: '意向年级', parentName: '家长', parentPhone: '家长电话', parentRelationship: '关系',
    planId: '招生计划', role: '角色', relationship: '关系', applicationId: '申请', result: '结果', originalName: '文件名',
    mimeType: '类型', size: '大小', createdAt: '创建时间',
  },
  options: {
    grade: grades, desiredGrade: grades, status: statuses, gender: genders, childGender: genders,
    type: {
      announcement: '公告', notice: '通知', reminder: '提醒', emergency: '紧急', system: '系统', open_day: '开放日',
      parent_child: '亲子活动', festival: '节日活动', outdoor: '户外活动', lecture: '讲座', performance: '演出', other: '其他',
    },
    priority: { low: '低', normal: '普通', medium: '中', high: '高', urgent: '紧急' },
    term: { spring: '春季', autumn: '秋季' },
    parentRelationship: relationships, relationship: relationships,
    teacherRole: { head: '班主任', assistant: '配班老师', caregiver: '保育员' },
    registrationStatus: { registered: '已报名', confirmed: '已确认', cancelled: '已取消', attended: '已参加', absent: '缺席' },
  },
  student: { addParent: '添加家长' },
  enrollment: {
    applications: '报名申请', plans: '招生计划', results: '录取结果', review: '审核', decision: '审核结果',
    approve: '录取并分班', waitlist: '候补', reject: '不录取', comment: '意见',
  },
  activities: {
    registrations: '报名名单', register: '登记报名', count: '已报名 {n} 人',
    ACTIVITY_FULL: '活动名额已满：{message}', REGISTRATION_CLOSED: '报名已截止：{message}',
  },
  files: { upload: '上传文件', progress: '上传进度', preview: '预览', download: '下载' },
  ai: {
    new: '新对话', newTitle: '对话 {at}', pick: '选择或新建一个对话', user: '我：', assistant: '助手：', system: '系统：',
    question: '您的问题', send: '发送', recharge: '请到“费用”页面充值',
  },
  staff: {
    add: '添加教职工', added: '已添加，对方使用原有密码登录。', realName: '姓名（新账号需填写）', disable: '停用', enable: '启用',
    disableConfirm: '{name} 将立即在所有地方被退出，启用前无法登录本园。',
    removeConfirm: '将 {name} 从本园移除？对方会立即被退出，其账号保留。', outOfSync: '变更未完成，请重试',
    lastLogin: '最近登录', otpTitle: '一次性密码', otpHint: '请把此密码交给 {phone} 的本人。密码只显示这一次，首次登录时必须修改。',
  },
  billing: {
    balance: '余额', creditLimit: '信用额度', available: 'AI 可用额度：{amount}', plan: '套餐', paymentStatus: '付款状态',
    aiTokens: '本月 AI 用量（Token）', ofQuota: '套餐额度 {quota}', recharge: '充值卡充值', code: '充值卡卡号',
    codePlaceholder: 'XXXXX-XXXXX-XXXXX-XXXXX', redeem: '充值', codeRequired: '请输入充值卡上的卡号。',
    redeemed: '已充值 {amount}，当前余额 {balance}。', redeemUsed: '该充值卡已被使用，每张卡只能充值一次。',
    redeemUnknown: '没有这个卡号的充值卡，请核对后重试。', redeemExpired: '该充值卡已过期，无法充值。',
    redeemLimited: '失败次数过多，请 {minutes} 分钟后再试。', redeemForbidden: '只有本园管理员可以使用充值卡充值。',
    transactions: '收支明细', bills: '月度账单', time: '时间', amount: '金额', balanceAfter: '变动后余额', more: '更早的记录',
    period: '账期', baseFee: '基础费用', overageFee: 'AI 超额费用', total: '合计', noBills: '暂无账单：每月结束后出账。',
    types: { charge: 'AI 使用', recharge: '充值', adjustment: '调整' },
    plans: { basic: '基础版', standard: '标准版', premium: '高级版', enterprise: '企业版' },
    payment: { normal: '正常', overdue: '逾期', suspended: '暂停' },
    billStatus: { draft: '草稿', issued: '已出账', paid: '已支付', overdue: '逾期', cancelled: '已取消' },
  },
  usage: {
    period: '时间范围', from: '开始日期', to: '结束日期', calls: '调用次数', tokens: 'Token 数', inputTokens: '输入 Token',
    outputTokens: '输出 Token', cost: '费用', thisMonth: '本月 Token（实时）', chart: '每日 AI 调用与 Token 用量',
    rollupHint: '每日数据来自夜间汇总：当天的用量次日可见。本月 Token 为实时统计。',
    date: '日期', model: '模型', latency: '平均耗时', successRate: '成功率', none: '该时间段内没有 AI 用量。',
  },
};

export default zhCN;
