// Starts `journeyc lsp` for .journey files: the language server does the work (diagnostics, hover, definition,
// references, completion, outline, formatting, rename, quick fixes); this file only connects VS Code to it.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const program = vscode.workspace.getConfiguration("journeyc").get("path") || "journeyc";
  const server = { command: program, args: ["lsp"] };
  client = new LanguageClient(
    "journeyc",
    "journeyc",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "journey" }],
      // Templates, settings and files made or removed outside the editor change what the project means too.
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{journey,mjml,html,txt,toml}"),
      },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
