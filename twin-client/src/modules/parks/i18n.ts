/** Strings of the parks view (namespace `parks`). */
export const parksI18n = {
  'zh-CN': {
    title: '园区管理', list: '园区列表', none: '还没有园区', code: '编码', name: '名称', nameEn: '英文名', city: '城市',
    origin: '原点（经度, 纬度, 高程）', area: '面积', buildings: '建筑', hectares: '{{n}} 公顷', create: '新建园区', save: '保存', delete: '删除',
    confirmDelete: '删除园区“{{name}}”及其全部建筑、房间、设备和瓦片？此操作不可撤销。', deleted: '已删除园区 {{code}}', created: '已创建园区 {{code}}', saved: '已保存',
    boundary: '边界', boundaryDraw: '在平面图上绘制', boundaryFile: '由建筑轮廓文件推导', boundaryBuildings: '由园区已有建筑推导',
    drawHint: '点击平面图添加边界顶点（以原点为中心，每格 100 米），至少 3 个点', clear: '清除', points: '{{n}} 个顶点', margin: '外扩（米）',
    footprints: '建筑轮廓 GeoJSON', chooseFile: '选择文件', fileLoaded: '已读取 {{n}} 个要素', edit: '编辑', cancel: '取消', open: '在孪生中打开',
    rederive: '按建筑重新推导边界', needOrigin: '绘制边界需要先填写原点',
  },
  en: {
    title: 'Parks', list: 'Parks', none: 'No park yet', code: 'Code', name: 'Name', nameEn: 'English name', city: 'City',
    origin: 'Origin (longitude, latitude, height)', area: 'Area', buildings: 'Buildings', hectares: '{{n}} ha', create: 'New park', save: 'Save', delete: 'Delete',
    confirmDelete: 'Delete park "{{name}}" with all its buildings, rooms, equipment and tiles? This cannot be undone.', deleted: 'Deleted park {{code}}', created: 'Created park {{code}}', saved: 'Saved',
    boundary: 'Boundary', boundaryDraw: 'Draw on the plan', boundaryFile: 'Derive from a footprint file', boundaryBuildings: "Derive from the park's buildings",
    drawHint: 'Click the plan to add boundary corners (centred on the origin, 100 m per square), at least 3', clear: 'Clear', points: '{{n}} corners', margin: 'Margin (m)',
    footprints: 'Footprint GeoJSON', chooseFile: 'Choose file', fileLoaded: '{{n}} features read', edit: 'Edit', cancel: 'Cancel', open: 'Open in the twin',
    rederive: 'Re-derive the boundary from the buildings', needOrigin: 'Drawing a boundary needs the origin first',
  },
};
