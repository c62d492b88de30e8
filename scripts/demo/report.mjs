export function renderReport(){return '<html></html>'}
