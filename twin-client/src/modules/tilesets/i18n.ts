/** Strings of the tileset layers (namespace `tilesets`). */
export const tilesetsI18n = {
  'zh-CN': {
    title: '三维瓦片图层', park: '园区', upload: '上传图层', name: '名称', file: '瓦片集压缩包（zip 或 3tz）', add: '上传并检查',
    uploading: '正在上传并检查…', added: '已添加图层“{{name}}”：{{contents}} 个内容文件', missing: '缺少 {{n}} 个内容文件：{{files}}',
    list: '园区的图层', none: '这个园区还没有图层', version: '版本', source: '来源', sourceUpload: '上传', sourcePath: '本机路径',
    anchor: '定位', anchorGeo: '按自身坐标', anchorPark: '放在园区原点', distance: '距园区 {{km}} 公里', contents: '内容文件', size: '大小',
    shown: '在孪生中显示', nudge: '微调', east: '向东（米）', north: '向北（米）', up: '向上（米）', heading: '旋转（度，顺时针）', scale: '缩放',
    save: '保存', delete: '删除', confirmDelete: '删除图层“{{name}}”？', deleted: '已删除图层“{{name}}”', saved: '已保存', needName: '请填写图层名称',
    needFile: '请选择瓦片集压缩包', open: '在孪生中查看', layersTitle: '瓦片图层', chooseFile: '选择文件', noFile: '未选择文件',
  },
  en: {
    title: '3D Tiles layers', park: 'Park', upload: 'Upload a layer', name: 'Name', file: 'Tileset archive (zip or 3tz)', add: 'Upload and check',
    uploading: 'Uploading and checking…', added: 'Added layer "{{name}}": {{contents}} content files', missing: '{{n}} content files missing: {{files}}',
    list: "The park's layers", none: 'This park has no layer yet', version: 'Version', source: 'Source', sourceUpload: 'Upload', sourcePath: 'Path on this host',
    anchor: 'Placement', anchorGeo: 'Its own coordinates', anchorPark: 'At the park origin', distance: '{{km}} km from the park', contents: 'Content files', size: 'Size',
    shown: 'Shown in the twin', nudge: 'Nudge', east: 'East (m)', north: 'North (m)', up: 'Up (m)', heading: 'Heading (°, clockwise)', scale: 'Scale',
    save: 'Save', delete: 'Delete', confirmDelete: 'Delete layer "{{name}}"?', deleted: 'Deleted layer "{{name}}"', saved: 'Saved', needName: 'Give the layer a name',
    needFile: 'Choose a tileset archive', open: 'View in the twin', layersTitle: 'Tiles layers', chooseFile: 'Choose file', noFile: 'No file chosen',
  },
};
