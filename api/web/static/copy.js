// The development login page: a button with data-copy="ID" copies that field's text.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.addEventListener("click", () => {
    const field = document.getElementById(button.dataset.copy);
    if (field) navigator.clipboard.writeText(field.value);
  });
});
