export { DataError, displayPath } from "./data-error.js";
export { mixtureMeans, mixtureStd, type MixtureData } from "./mixtures.js";
export { createRangeMap, invertRange, formatRange, type Range, type RangeMap } from "./range.js";
export { readIdxImages, readIdxLabels, readIdxShape, type IdxImages, type IdxLabels } from "./idx.js";
export { readPngFolder, readPngFolderShape, listPngFiles, type PngFolder } from "./png-folder.js";
export {
  openDataSource,
  readDataShape,
  mnistFiles,
  type DataSource,
  type DataSourceOptions,
  type DataShapeResult,
} from "./source.js";
