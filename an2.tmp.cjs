const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental");
const dir = process.argv[2];
class SpinApp {}
const p = new ComponentProvider({ name: "aks-wasm-app", dirname: dir, components: [SpinApp] });
p.getSchema().then((s) => console.log(JSON.stringify(JSON.parse(s), null, 1)));
