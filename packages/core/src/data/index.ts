export { DataError, DataOptionError, displayPath } from "./data-error.js";
export { mixtureMeans, mixtureStd, type MixtureData } from "./mixtures.js";
export { createRangeMap, invertRange, formatRange, type Range, type RangeMap } from "./range.js";
export { readIdxImages, readIdxLabels, readIdxShape, type IdxImages, type IdxLabels } from "./idx.js";
export { mnistFiles } from "./idx-source.js";
export { imageCacheDir } from "./image-cache.js";
export { decodeImage, parseColour, type DecodedImage, type ImageDecodeOptions } from "./image-decode.js";
export { openDataSource, readDataShape } from "./loaders.js";
export type { DataBatch, DataLoader, DataSource, DataSourceOptions } from "./source.js";
