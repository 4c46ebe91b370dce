# Generates a C++ source holding every migration of one SQL dialect, in file-name order:
#   cmake -DDIALECT=sqlite -DSQL_DIR=... -DOUTPUT=... -P embed_sql.cmake
file(GLOB files "${SQL_DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" text)
  string(APPEND body "    {\"${name}\", R\"rapport_sql(${text})rapport_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp"
"// Generated from src/store/sql/${DIALECT}/*.sql by cmake/embed_sql.cmake. Do not edit.
#include \"store/migrations.hpp\"

namespace rapport::store {

const std::vector<Migration>& ${DIALECT}_migrations() {
  static const std::vector<Migration> kMigrations = {
${body}  };
  return kMigrations;
}

}  // namespace rapport::store
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
