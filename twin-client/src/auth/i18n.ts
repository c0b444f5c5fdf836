/**
 * UI strings of the login page, session gate and admin panels, as the `auth` namespace of the
 * app's i18next (zh-CN default, English switch). `registerAuthI18n()` adds them once.
 */
import { i18next } from '../i18n/index.ts';

const zh = {
  nav: { admin: '系统管理' },
  login: {
    title: '园区数字孪生', subtitle: '统一身份认证', username: '用户名', password: '密码', submit: '登录', busy: '正在登录…',
    wrong: '用户名或密码错误', locked: '连续登录失败，账号已临时锁定，请稍后再试', disabled: '账号已停用',
    tooMany: '尝试过于频繁，请稍后再试', failed: '登录失败：{{message}}', pairLink: '大屏设备配对', language: 'English',
    notice: '仅限授权用户使用。所有登录与操作均记录审计日志。',
  },
  pair: {
    title: '大屏设备配对', code: '配对码', submit: '配对', back: '返回登录', failed: '配对码无效、已使用或已过期',
    hint: '由安全管理员在“设备”页生成的一次性配对码（10 分钟内有效）。', tokenFailed: '设备令牌无效或已吊销',
  },
  change: {
    title: '修改密码', forced: '首次登录或密码已到期，请先设置新密码。', current: '当前密码', next: '新密码', repeat: '确认新密码',
    submit: '保存新密码', mismatch: '两次输入的新密码不一致', done: '密码已修改，其他会话已全部退出。',
    policy: '至少 {{minLength}} 位，包含大写字母、小写字母、数字、符号中的至少 {{minClasses}} 类，且不得包含用户名。',
  },
  session: { loading: '正在验证身份…', expired: '会话已因长时间无操作而结束，请重新登录。', logout: '退出', user: '当前用户', error: '无法连接服务器：{{message}}' },
  admin: {
    title: '系统管理', noAccess: '当前账号没有任何管理权限。',
    tabs: { users: '用户', roles: '角色与权限', devices: '设备', audit: '审计日志', backup: '备份' },
    users: {
      create: '新建用户', username: '用户名', displayName: '姓名', phone: '手机号', idNumber: '身份证号', enterprise: '所属企业 idx',
      roles: '角色', status: '状态', actions: '操作', save: '创建', resetPassword: '重置密码', unlock: '解锁', disable: '停用',
      enable: '启用', delete: '删除', confirmDelete: '确定删除用户 {{name}}？', initialPassword: '初始密码（仅显示一次）：{{password}}',
      locked: '已锁定', disabled: '已停用', mustChange: '待改密', active: '正常', lastLogin: '最近登录', none: '无',
      rolesHint: '角色由安全管理员在“角色与权限”页授予。',
    },
    roles: {
      matrix: '权限矩阵', assignments: '角色授予', module: '模块', save: '保存', saved: '已保存', adminNote: '管理员角色互斥（三员分立）',
      actions: { read: '读', write: '写', control: '控', admin: '管' },
    },
    devices: {
      create: '登记设备', name: '名称（屏幕位置）', kind: '类型', wall: '指挥大屏（只读）', exchange: '数据交换客户端', save: '登记',
      token: '设备令牌（仅显示一次）', pairingCode: '配对码', wallUrl: '大屏地址（令牌在 # 之后，不会发送到服务器日志）',
      revoke: '吊销', confirmRevoke: '确定吊销设备 {{name}}？其会话将立即断开。', newCode: '新配对码', revoked: '已吊销',
      lastSeen: '最近在线', sessions: '在线会话', active: '有效',
    },
    audit: {
      actor: '用户', action: '事件', outcome: '结果', text: '对象/来源包含', from: '起始时间', to: '结束时间', search: '查询',
      verify: '校验哈希链', export: '导出 (JSON Lines)', intact: '哈希链完整：{{rows}} 条，链头 {{seq}}', broken: '哈希链在第 {{row}} 条处被破坏：{{reason}}',
      time: '时间', object: '对象', source: '来源', detail: '详情', more: '更早的记录', any: '全部',
      outcomes: { success: '成功', failure: '失败', denied: '拒绝' },
    },
    backup: {
      lastSuccess: '最近成功备份', age: '距今', hours: '{{hours}} 小时', size: '大小', lastError: '最近错误', noError: '无',
      folder: '备份目录', never: '尚无成功的备份', alarmAt: '超期告警时间', wal: '预写日志归档',
      walOff: '未开启',
      walText: '已归档 {{archived}} 段，最近 {{last}}，失败 {{failed}} 次',
      overdue: '备份已超期：最近一次成功备份是 {{hours}} 小时前，请检查备份任务。', overdueNone: '备份已超期：尚无成功的备份，请检查备份任务。',
      disabled: '定时备份已关闭（TWIN_BACKUP_INTERVAL_HOURS=0）。', unknown: '服务器未提供备份状态。',
      hint: '超过两个备份周期没有成功备份即告警；请将备份目录复制到异地。', refresh: '刷新',
    },
    error: '操作失败：{{message}}',
  },
};

const en: typeof zh = {
  nav: { admin: 'Admin' },
  login: {
    title: 'Park Twin', subtitle: 'Unified sign-in', username: 'Username', password: 'Password', submit: 'Sign in', busy: 'Signing in…',
    wrong: 'Wrong username or password', locked: 'Too many failed attempts: the account is locked for a while',
    disabled: 'This account is disabled', tooMany: 'Too many attempts, please wait', failed: 'Sign-in failed: {{message}}',
    pairLink: 'Pair a wall display', language: '中文', notice: 'Authorized users only. Every sign-in and action is audited.',
  },
  pair: {
    title: 'Pair a wall display', code: 'Pairing code', submit: 'Pair', back: 'Back to sign-in', failed: 'Pairing code unknown, used or expired',
    hint: 'A one-time code from the security administrator\'s Devices page (valid for 10 minutes).', tokenFailed: 'Device token unknown or revoked',
  },
  change: {
    title: 'Change password', forced: 'First sign-in or expired password: please set a new password.', current: 'Current password',
    next: 'New password', repeat: 'Repeat new password', submit: 'Save new password', mismatch: 'The new passwords differ',
    done: 'Password changed; every other session was signed out.',
    policy: 'At least {{minLength}} characters with {{minClasses}} of: upper-case, lower-case, digits, symbols; not containing the username.',
  },
  session: { loading: 'Checking your session…', expired: 'Your session ended after inactivity. Please sign in again.', logout: 'Sign out', user: 'Signed in as', error: 'Cannot reach the server: {{message}}' },
  admin: {
    title: 'Administration', noAccess: 'This account has no administration rights.',
    tabs: { users: 'Users', roles: 'Roles', devices: 'Devices', audit: 'Audit trail', backup: 'Backups' },
    users: {
      create: 'New user', username: 'Username', displayName: 'Name', phone: 'Phone', idNumber: 'ID number', enterprise: 'Enterprise idx',
      roles: 'Roles', status: 'Status', actions: 'Actions', save: 'Create', resetPassword: 'Reset password', unlock: 'Unlock',
      disable: 'Disable', enable: 'Enable', delete: 'Delete', confirmDelete: 'Delete user {{name}}?',
      initialPassword: 'Initial password (shown once): {{password}}', locked: 'locked', disabled: 'disabled', mustChange: 'must change password',
      active: 'active', lastLogin: 'Last sign-in', none: 'none', rolesHint: 'Roles are granted by the security administrator (Roles tab).',
    },
    roles: {
      matrix: 'Permission matrix', assignments: 'Role assignments', module: 'Module', save: 'Save', saved: 'Saved',
      adminNote: 'Administrator roles are mutually exclusive (separated duties)',
      actions: { read: 'R', write: 'W', control: 'C', admin: 'A' },
    },
    devices: {
      create: 'Register device', name: 'Name (screen location)', kind: 'Kind', wall: 'Command wall (read-only)', exchange: 'Data-exchange client',
      save: 'Register', token: 'Device token (shown once)', pairingCode: 'Pairing code',
      wallUrl: 'Wall address (the token after # never reaches server logs)', revoke: 'Revoke',
      confirmRevoke: 'Revoke device {{name}}? Its sessions end at once.', newCode: 'New pairing code', revoked: 'revoked',
      lastSeen: 'Last seen', sessions: 'Sessions', active: 'active',
    },
    audit: {
      actor: 'User', action: 'Event', outcome: 'Outcome', text: 'Object/source contains', from: 'From', to: 'To', search: 'Search',
      verify: 'Verify hash chain', export: 'Export (JSON Lines)', intact: 'Chain intact: {{rows}} rows, head {{seq}}',
      broken: 'Chain broken at row {{row}}: {{reason}}', time: 'Time', object: 'Object', source: 'Source', detail: 'Detail',
      more: 'Older entries', any: 'any', outcomes: { success: 'success', failure: 'failure', denied: 'denied' },
    },
    backup: {
      lastSuccess: 'Last good backup', age: 'Age', hours: '{{hours}} h', size: 'Size', lastError: 'Last error', noError: 'None',
      folder: 'Backup folder', never: 'No good backup yet', alarmAt: 'Overdue alarm raised', wal: 'WAL archiving',
      walOff: 'off',
      walText: '{{archived}} segments archived, last {{last}}, {{failed}} failed',
      overdue: 'Backups are overdue: the last good backup is {{hours}} hours old. Check the backup job.', overdueNone: 'Backups are overdue: no good backup yet. Check the backup job.',
      disabled: 'Scheduled backups are off (TWIN_BACKUP_INTERVAL_HOURS=0).', unknown: 'The server does not report a backup state.',
      hint: 'An alarm is raised when no backup succeeded for two intervals; copy the backup folder off the host.', refresh: 'Refresh',
    },
    error: 'Failed: {{message}}',
  },
};

/** The resources, for the shell to add itself if it prefers. */
export const authResources = { 'zh-CN': { auth: zh }, en: { auth: en } } as const;

/** Adds the `auth` namespace to the app's i18next (idempotent). */
export function registerAuthI18n(): void {
  for (const [lng, res] of Object.entries(authResources)) {
    if (!i18next.hasResourceBundle(lng, 'auth')) i18next.addResourceBundle(lng, 'auth', res.auth, true, false);
  }
}
