const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
const dir = process.argv[2];
const pkg = require(dir + "/package.json");
const a = new Analyzer(dir, "aks-wasm-app", pkg, new Set(["SpinApp"]));
console.log(JSON.stringify(a.analyze(), null, 1));
