/** The records kit's and the notification centre's UI strings (namespace `kit`), zh-CN first. */
import i18next from 'i18next';

const zh = {
  search: '搜索', allStates: '全部状态', all: '全部', prev: '上一页', next: '下一页', exportCsv: '导出 CSV', exportXlsx: '导出 Excel',
  create: '新建', edit: '编辑', save: '保存', cancel: '取消', submit: '提交', close: '关闭', loading: '加载中…', empty: '暂无记录',
  state: '状态', object: '位置', createdAt: '创建时间', updatedAt: '更新时间', dueAt: '时限', overdue: '已超时', assignees: '处理人',
  createdBy: '提交人', id: '编号', comments: '评论', addComment: '添加评论', commentPlaceholder: '写下评论…', attachments: '附件',
  upload: '上传附件', history: '处理记录', note: '备注（可选）', assign: '指派', noAssignees: '未指派', fields: '详情',
  conflict: '该记录已被他人修改，已重新加载，请再试一次。', saved: '已保存', required: '必填', invalid: '格式不正确',
  tooLarge: '文件过大（上限 {{max}}）', badType: '不支持的文件类型', page: '第 {{n}} 页', noPermission: '无权限',
  notifications: '通知', unread: '{{n}} 条未读', markAllRead: '全部标为已读', noNotifications: '暂无通知', open: '打开',
  yes: '是', no: '否', newTitle: '新建{{label}}', detailTitle: '{{label}} #{{id}}', by: '由 {{name}}',
};
const en: typeof zh = {
  search: 'Search', allStates: 'All states', all: 'All', prev: 'Previous', next: 'Next', exportCsv: 'Export CSV', exportXlsx: 'Export Excel',
  create: 'New', edit: 'Edit', save: 'Save', cancel: 'Cancel', submit: 'Submit', close: 'Close', loading: 'Loading…', empty: 'No records',
  state: 'State', object: 'Location', createdAt: 'Created', updatedAt: 'Updated', dueAt: 'Due', overdue: 'Overdue', assignees: 'Assignees',
  createdBy: 'Reported by', id: 'No.', comments: 'Comments', addComment: 'Add comment', commentPlaceholder: 'Write a comment…', attachments: 'Attachments',
  upload: 'Upload attachment', history: 'History', note: 'Note (optional)', assign: 'Assign', noAssignees: 'Not assigned', fields: 'Details',
  conflict: 'Someone else changed this record; it was reloaded, please try again.', saved: 'Saved', required: 'Required', invalid: 'Invalid value',
  tooLarge: 'File too large (limit {{max}})', badType: 'File type not allowed', page: 'Page {{n}}', noPermission: 'Not permitted',
  notifications: 'Notifications', unread: '{{n}} unread', markAllRead: 'Mark all read', noNotifications: 'No notifications', open: 'Open',
  yes: 'Yes', no: 'No', newTitle: 'New {{label}}', detailTitle: '{{label}} #{{id}}', by: 'by {{name}}',
};

/** Adds the kit's strings to i18next (idempotent). */
export function registerKitStrings(): void {
  const add = () => {
    i18next.addResourceBundle('zh-CN', 'kit', zh, true, true);
    i18next.addResourceBundle('en', 'kit', en, true, true);
  };
  if (i18next.isInitialized) add();
  else i18next.on('initialized', add);
}
registerKitStrings();
