import { expect } from "chai";
import { IMAGES } from "../../compiler/images";
import { imageRepositories } from "../../infra/images";

describe("the ECR repositories SageMaker pulls from", () => {
  it("are one per image in the stack's region, from the SDK's data, and none for an unknown region", () => {
    const images = [
      { kind: "framework" as const, framework: "xgboost", version: "1.7-1" },
      { kind: "framework" as const, framework: "sklearn", version: "1.2-1" },
      { kind: "framework" as const, framework: "xgboost", version: "1.5-1" },
      {
        kind: "ecr" as const,
        account: "111122223333",
        region: "eu-west-1",
        repository: "team/model",
      },
    ];
    const account = (repository: string) => IMAGES.repositories[repository]!["eu-west-1"]!;
    expect(imageRepositories("eu-west-1", images)).to.deep.equal([
      { account: "111122223333", region: "eu-west-1", repository: "team/model" },
      {
        account: account("sagemaker-scikit-learn"),
        region: "eu-west-1",
        repository: "sagemaker-scikit-learn",
      },
      {
        account: account("sagemaker-xgboost"),
        region: "eu-west-1",
        repository: "sagemaker-xgboost",
      },
    ]);
    expect(imageRepositories("mars-north-1", images.slice(0, 2))).to.deep.equal([]);
  });

  it("follow the version: XGBoost's version 1 image lives in another repository", () => {
    const [repo] = imageRepositories("us-west-2", [
      { kind: "framework", framework: "xgboost", version: "1" },
    ]);
    expect(repo).to.deep.equal({
      account: IMAGES.repositories["xgboost"]!["us-west-2"],
      region: "us-west-2",
      repository: "xgboost",
    });
  });
});
