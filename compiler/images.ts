// SageMaker's framework images: compiler/runtime/dagspec_images.json, generated from the
// SageMaker Python SDK's published data (scripts/sagemaker_images.py) and shipped beside the
// DAGs, where dagspec_runtime.image_uri reads it. The compiler checks `{ framework, version }`
// against it, the stack names the ECR repositories SageMaker pulls from with it.

import data from "./runtime/dagspec_images.json";

export type ImageScope = "training" | "inference";

export interface FrameworkImage {
  repository: string;
  tag: string;
  /** Whether the SDK lists it for training (and processing) jobs, for models, or both. */
  scopes: ImageScope[];
}

export interface ImageData {
  /** The SageMaker Python SDK release the data comes from. */
  sdk: string;
  /** ECR's hostname per region. */
  hostnames: Record<string, string>;
  /** The AWS account hosting each repository, per region. */
  repositories: Record<string, Record<string, string>>;
  /** Images by framework and version. */
  frameworks: Record<string, Record<string, FrameworkImage>>;
}

export const IMAGES = data as unknown as ImageData;

export const IMAGE_FILE = "dagspec_images.json";

/** The frameworks a spec may name as `{ framework, version }`. */
export const IMAGE_FRAMEWORKS = Object.keys(IMAGES.frameworks).sort();
