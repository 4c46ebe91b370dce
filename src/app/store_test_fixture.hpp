// The app tests' store: a fresh SQLite store in a directory of its own (named after the
// process and the test), removed when the test ends. Header-only, for tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "core/test_directory.hpp"
#include "store/store.hpp"

namespace rapport::app {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqlite({.path = (dir_ / "rapport.db").string()});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override { store_.reset(); }

  TestDirectory dir_{"rapport-app-test"};
  std::unique_ptr<store::Store> store_;
};

}  // namespace rapport::app
