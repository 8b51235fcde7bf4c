/** English messages of the staff app; zh-CN.ts has the same keys. */
const statuses = {
  active: 'Active', archived: 'Archived', on_leave: 'On leave', resigned: 'Resigned', graduated: 'Graduated',
  withdrawn: 'Withdrawn', inactive: 'Inactive', draft: 'Draft', published: 'Published', ongoing: 'Ongoing',
  finished: 'Finished', cancelled: 'Cancelled', closed: 'Closed', pending: 'Pending', in_progress: 'In progress',
  done: 'Done', reviewing: 'Reviewing', approved: 'Approved', rejected: 'Rejected', disabled: 'Disabled',
};
const grades = { nursery: 'Nursery', small: 'Small class', middle: 'Middle class', large: 'Large class', mixed: 'Mixed ages' };
const genders = { male: 'Boy / male', female: 'Girl / female' };
const relationships = { father: 'Father', mother: 'Mother', guardian: 'Guardian', other: 'Other' };

const en = {
  app: { title: 'Kindergarten staff' },
  shell: { navigation: 'Main navigation', language: 'Language', signOut: 'Sign out' },
  ledger: { aiCharge: 'AI {kind} ({model})', cardRecharge: 'Recharge card {batch}', callTypes: { chat: 'chat', completion: 'completion', embedding: 'embedding' } },
  roles: {
    create: 'New role', code: 'Code', permissions: 'Permissions', members: 'Members', builtIn: 'Built in',
    removeConfirm: 'Delete the role "{name}"? Nobody holds it.', actions: { read: 'View', write: 'Edit', delete: 'Delete' },
  },
  roleNames: { admin: 'Principal (admin)', teacher: 'Teacher', staff: 'Office staff', viewer: 'Viewer' },
  menu: {
    dashboard: 'Dashboard', classes: 'Classes', teachers: 'Teachers', students: 'Students', parents: 'Parents',
    enrollment: 'Enrollment', activities: 'Activities', notifications: 'Notifications', todos: 'To-dos', files: 'Files',
    ai: 'AI assistant', staff: 'Staff', roles: 'Roles', account: 'My account', users: 'Users', system: 'Settings',
    billing: 'Billing', usage: 'AI usage',
  },
  common: {
    search: 'Search', create: 'New', edit: 'Edit', delete: 'Delete', remove: 'Remove', cancel: 'Cancel', save: 'Save',
    confirm: 'Confirm', actions: 'Actions', details: 'Details', saved: 'Saved', deleteConfirm: 'Delete this record? This cannot be undone.',
    none: 'Nothing here', copy: 'Copy', copied: 'Copied', done: 'Done', failed: 'Something went wrong', assign: 'Assign',
  },
  login: {
    phone: 'Mobile phone', password: 'Password', submit: 'Sign in', required: 'Enter your phone and password.',
    invalid: 'Wrong phone or password.', locked: 'This account is locked after too many failed attempts. Try again in {minutes} minutes.',
    rateLimited: 'Too many attempts. Wait {seconds} seconds and try again.', inactive: 'This account is disabled.',
    phoneInvalid: 'Enter a valid mobile phone number.', ended: 'You were signed out: your access to this kindergarten has ended or changed.',
  },
  password: {
    title: 'Change password', hint: 'You signed in with a one-time password. Choose your own to continue.',
    current: 'Current password', next: 'New password (8+ characters, letters and digits)', confirm: 'New password again',
    submit: 'Change password', mismatch: 'The two passwords differ.', changed: 'Password changed. Sign in again.',
  },
  picker: {
    title: 'Choose a kindergarten', none: 'You are not a member of any kindergarten yet.', switch: 'Switch kindergarten',
    arriving: 'Signing you in…',
  },
  account: { title: 'My account', name: 'Name', kindergarten: 'Kindergarten', roles: 'Roles' },
  dashboard: { todos: 'Open to-dos', notifications: 'Recent notifications', activities: 'Upcoming activities' },
  fields: {
    name: 'Name', grade: 'Grade', academicYear: 'Academic year', capacity: 'Capacity', room: 'Room', status: 'Status',
    description: 'Description', phone: 'Phone', gender: 'Gender', title: 'Title', hireDate: 'Hired on', birthDate: 'Birth date',
    classId: 'Class', allergies: 'Allergies', remark: 'Remark', email: 'Email', occupation: 'Occupation', address: 'Address',
    content: 'Content', type: 'Type', priority: 'Priority', publishedAt: 'Published', dueAt: 'Due', startTime: 'Starts',
    endTime: 'Ends', registrationDeadline: 'Registration deadline', location: 'Location', year: 'Year', term: 'Term',
    targetCount: 'Places', startDate: 'From', endDate: 'Until', applicationNo: 'Application no.', childName: 'Child',
    childBirthDate: "Child's birth date", childGender: "Child's gender", desiredGrade: 'Desired grade', parentName: 'Parent',
    parentPhone: "Parent's phone", parentRelationship: 'Relationship', planId: 'Enrollment plan', role: 'Role',
    relationship: 'Relationship', applicationId: 'Application', result: 'Result', originalName: 'File name',
    mimeType: 'Type', size: 'Size', createdAt: 'Created',
  },
  options: {
    grade: grades, desiredGrade: grades, status: statuses, gender: genders, childGender: genders,
    type: {
      announcement: 'Announcement', notice: 'Notice', reminder: 'Reminder', emergency: 'Emergency', system: 'System',
      open_day: 'Open day', parent_child: 'Parent and child', festival: 'Festival', outdoor: 'Outdoor', lecture: 'Lecture',
      performance: 'Performance', other: 'Other',
    },
    priority: { low: 'Low', normal: 'Normal', medium: 'Medium', high: 'High', urgent: 'Urgent' },
    term: { spring: 'Spring', autumn: 'Autumn' },
    parentRelationship: relationships, relationship: relationships,
    teacherRole: { head: 'Head teacher', assistant: 'Assistant', caregiver: 'Caregiver' },
    registrationStatus: { registered: 'Registered', confirmed: 'Confirmed', cancelled: 'Cancelled', attended: 'Attended', absent: 'Absent' },
  },
  student: { addParent: 'Add a parent' },
  enrollment: {
    applications: 'Applications', plans: 'Plans', results: 'Results', review: 'Review', decision: 'Decision',
    approve: 'Admit into a class', waitlist: 'Waitlist', reject: 'Reject', comment: 'Comment',
  },
  activities: {
    registrations: 'Registrations', register: 'Register a family', count: '{n} registered',
    ACTIVITY_FULL: 'This activity is full: {message}', REGISTRATION_CLOSED: 'Registration is closed: {message}',
  },
  files: { upload: 'Upload a file', progress: 'Upload progress', preview: 'Preview', download: 'Download' },
  ai: {
    new: 'New conversation', newTitle: 'Conversation {at}', pick: 'Choose or start a conversation', user: 'You:',
    assistant: 'Assistant:', system: 'System:', question: 'Your question', send: 'Send',
    recharge: 'Recharge the account on the Billing page',
  },
  staff: {
    add: 'Add staff', added: 'Added. They sign in with their existing password.', realName: 'Name (for a new account)',
    disable: 'Disable', enable: 'Enable', disableConfirm: '{name} will be signed out everywhere at once and cannot sign in here until enabled.',
    removeConfirm: 'Remove {name} from this kindergarten? They are signed out at once; their account stays.',
    outOfSync: 'Change incomplete: repeat it', lastLogin: 'Last sign-in', otpTitle: 'One-time password',
    otpHint: 'Give this password to the owner of {phone}. It is shown only now; they must change it at first sign-in.',
  },
  billing: {
    balance: 'Balance', creditLimit: 'Credit limit', available: 'Available for AI: {amount}', plan: 'Plan',
    paymentStatus: 'Payment', aiTokens: 'AI tokens this month', ofQuota: 'of {quota} in the plan',
    recharge: 'Recharge with a card', code: 'Recharge card code', codePlaceholder: 'XXXXX-XXXXX-XXXXX-XXXXX', redeem: 'Redeem',
    codeRequired: 'Enter the code printed on the card.', redeemed: 'Recharged {amount}. The balance is now {balance}.',
    redeemUsed: 'This card has already been used. Each card can be redeemed once.',
    redeemUnknown: 'No card has this code. Check it and try again.', redeemExpired: 'This card has expired and can no longer be redeemed.',
    redeemLimited: 'Too many failed attempts. Try again in {minutes} minutes.',
    redeemForbidden: "Only the kindergarten's administrator can redeem recharge cards.",
    transactions: 'Transactions', bills: 'Monthly bills', time: 'Time', amount: 'Amount', balanceAfter: 'Balance after',
    more: 'Older transactions', period: 'Period', baseFee: 'Base fee', overageFee: 'AI overage', total: 'Total',
    noBills: 'No bills yet: a bill is issued after each month.',
    types: { charge: 'AI usage', recharge: 'Recharge', adjustment: 'Adjustment' },
    plans: { basic: 'Basic', standard: 'Standard', premium: 'Premium', enterprise: 'Enterprise' },
    payment: { normal: 'In good standing', overdue: 'Overdue', suspended: 'Suspended' },
    billStatus: { draft: 'Draft', issued: 'Issued', paid: 'Paid', overdue: 'Overdue', cancelled: 'Cancelled' },
  },
  usage: {
    period: 'Period', from: 'From', to: 'To', calls: 'Calls', tokens: 'Tokens', inputTokens: 'Input tokens',
    outputTokens: 'Output tokens', cost: 'Cost', thisMonth: 'Tokens this month (live)', chart: 'AI calls and tokens per day',
    rollupHint: "Daily figures come from the nightly roll-up: a day appears the morning after. This month's tokens are counted live.",
    date: 'Day', model: 'Model', latency: 'Average latency', successRate: 'Success rate', none: 'No AI usage in this period.',
  },
};

export default en;
