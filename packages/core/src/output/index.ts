export { encodePng } from "./png.js";
export { imageGrid, imageGridLayout, type ImageGridLayout } from "./image-grid.js";
export { scatterPlot, defaultExtent, type Extent, type ScatterPlotOptions } from "./scatter-plot.js";
export { encodeNpy, writeNpy } from "./npy.js";
export { toCsv, csvHeader, formatFloat32 } from "./csv.js";
