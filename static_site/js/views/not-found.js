export default {
  name: "not-found",
  title: "Page not found",
  template: "tpl-not-found",
  mount() {},
};
