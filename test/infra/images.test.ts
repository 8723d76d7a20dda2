import { expect } from "chai";
import { runtimeSource } from "../../cli/paths";
import { IMAGE_FRAMEWORKS } from "../../compiler/kinds/sagemaker-common";
import { imageRepositories, readImageTable } from "../../infra/images";

describe("the SageMaker image table", () => {
  const table = readImageTable(runtimeSource());

  it("is read from the runtime module, a repository and accounts for every framework", () => {
    expect(Object.keys(table.frameworks).sort()).to.deep.equal([...IMAGE_FRAMEWORKS].sort());
    expect(table.frameworks["xgboost"]).to.deep.include({ repository: "sagemaker-xgboost" });
    expect(table.frameworks["xgboost"]!.accounts["eu-west-1"]).to.equal("141502667606");
    expect(table.frameworks["pytorch-training"]!.accounts["us-east-1"]).to.equal("763104351884");
  });

  it("fails, naming the frameworks, when the runtime no longer has the table's shape", () => {
    expect(() => readImageTable("IMAGE_REPOSITORIES = {}\n")).to.throw(/xgboost, sklearn/);
  });

  it("names one repository per image in the stack's region, and none for an unknown region", () => {
    const images = [
      { kind: "framework" as const, framework: "xgboost" },
      { kind: "framework" as const, framework: "sklearn" },
      { kind: "framework" as const, framework: "xgboost" },
      {
        kind: "ecr" as const,
        account: "111122223333",
        region: "eu-west-1",
        repository: "team/model",
      },
    ];
    expect(imageRepositories(table, "eu-west-1", images)).to.deep.equal([
      { account: "111122223333", region: "eu-west-1", repository: "team/model" },
      { account: "141502667606", region: "eu-west-1", repository: "sagemaker-scikit-learn" },
      { account: "141502667606", region: "eu-west-1", repository: "sagemaker-xgboost" },
    ]);
    expect(imageRepositories(table, "mars-north-1", images.slice(0, 2))).to.deep.equal([]);
  });
});
