/** Placeholder replaced by the equipment-model generator (issue 4). */
console.log('no equipment models to build yet');
