// The plan outline page: a Quill editor (static/vendor/quill) on each section's text, written back
// into the section's hidden input when the form is sent; the server sanitises what it receives.
// No inline script or style: the Content-Security-Policy allows neither.
(function () {
  "use strict";
  var form = document.getElementById("outline-form");
  if (!form || !window.Quill) { return; }
  var editors = [];
  form.querySelectorAll(".outline-editor").forEach(function (node) {
    var input = document.getElementById(node.dataset.input);
    var quill = new Quill(node, {
      theme: "snow",
      formats: ["bold", "italic", "underline", "list", "indent"],
      modules: {
        toolbar: [["bold", "italic", "underline"], [{ list: "bullet" }, { list: "ordered" }],
                  [{ indent: "-1" }, { indent: "+1" }], ["clean"]],
      },
    });
    quill.root.setAttribute("aria-labelledby", node.getAttribute("aria-labelledby"));
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    editors.push({ quill: quill, input: input });
  });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    editors.forEach(function (editor) {
      var empty = editor.quill.getText().trim() === "";
      editor.input.value = empty ? "" : editor.quill.getSemanticHTML();
    });
  });
})();
